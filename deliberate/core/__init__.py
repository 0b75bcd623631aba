"""Pure code of the project package (standard library and rfc8785 only, no Django)."""
