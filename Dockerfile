FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY workflows workflows
COPY activities activities
COPY api api
COPY web web
COPY scripts scripts
COPY worker.py ./
RUN pip install --no-cache-dir . && (test ! -d core/translations || pybabel compile -d core/translations -D messages)
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
