"""denoisekit-speech: speech enhancement for WAV and FLAC files at any sample rate, mono or stereo."""
