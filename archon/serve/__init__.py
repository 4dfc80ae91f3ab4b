"""`archon serve`: systems as OpenAI-compatible models over HTTP (FastAPI under uvicorn)."""
