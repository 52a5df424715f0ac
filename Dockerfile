# Production image for the API and the procrastinate worker (same image, different command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY routing ./routing
COPY maps ./maps
COPY mobile_pwa ./mobile_pwa
RUN pip install .
RUN useradd --system --uid 10001 hjemmerute && mkdir -p /app/data && chown hjemmerute /app/data
USER hjemmerute
EXPOSE 8000
CMD ["sh", "-c", "hjemmerute init-db && hjemmerute serve --host 0.0.0.0 --port 8000"]
