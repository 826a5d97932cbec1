FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CREDERE_HOME=/var/lib/credere
# Pango and a font for the PDF decision letters (WeasyPrint); libgomp for the default model (LightGBM)
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-dejavu-core libgomp1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/credere credere \
    && mkdir -p /var/lib/credere && chown credere /var/lib/credere
USER credere
EXPOSE 8000
CMD ["credere", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "3"]
