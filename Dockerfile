# The prediction service on CPU: fashion-attrs-serve on port 8000, the model mounted at /models.
#   docker build -t fashion-attrs .
#   docker run --rm -p 127.0.0.1:8000:8000 -v "$PWD/models:/models:ro" fashion-attrs
# then open http://127.0.0.1:8000/ (the page), /health, /metrics, /drift.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 FASHION_ATTRS_CACHE=/tmp/fashion_attrs
WORKDIR /app
COPY settings.ini setup.py pyproject.toml README.md MANIFEST.in ./
COPY fashion_attrs ./fashion_attrs
RUN pip install . && useradd --create-home --uid 1000 serve
USER serve
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"
ENTRYPOINT ["fashion-attrs-serve"]
CMD ["--model", "/models/model.pkl", "--host", "0.0.0.0", "--port", "8000"]
