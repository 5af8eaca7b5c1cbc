"""Speech recognition with faster-whisper: model management, loading, chunked decoding."""
