"""The versioned roadmap: versions, items, contributions, editions, and their pure core (`core/`)."""

from pathlib import Path

#: The seed roadmap the demo loads and the tests read: the Mont Blanc forum's 2022 roadmap, 78 items.
SEED_ROADMAP = Path(__file__).resolve().parent / "fixtures" / "montblanc-roadmap-2022.txt"
