# The one image behind every process of docker-compose.yml (web, worker, beat, Flower).
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1

WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .

EXPOSE 8000 5555
CMD [".venv/bin/honcho", "start", "-f", "Procfile"]
