# The Deliberate application image: Daphne serving HTTP and WebSocket.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DELIBERATE_VAR_DIR=/var/lib/deliberate
WORKDIR /app
# The pinned, hash-checked dependencies first (their own layer, rebuilt only when the lock changes),
# then the project itself without resolving anything again.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md LICENSE manage.py ./
COPY deliberate deliberate
COPY assemblies assemblies
COPY polls polls
COPY frontend frontend
RUN pip install --no-cache-dir --no-deps . && useradd --system --home /app deliberate \
    && mkdir -p /var/lib/deliberate/static && chown -R deliberate /var/lib/deliberate
USER deliberate
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=3 CMD ["python", "-m", "deliberate.healthcheck"]
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "--access-log", "/dev/null", "deliberate.asgi:application"]
