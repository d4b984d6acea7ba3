"""Drives a running `quarry serve` with the official OpenAI Python SDK (.venv-openai).

Usage: openai_sdk_check.py BASE_URL API_KEY COLLECTION
Prints one JSON object with what the SDK saw; Tests/QuarryServerTests checks it.
"""
import json
import sys

import openai
from openai import OpenAI

base, key, collection = sys.argv[1], sys.argv[2], sys.argv[3]
client = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=60)

embeddings = client.embeddings.create(model="all-MiniLM-L6-v2", input=["tides and the moon", "sourdough bread"])
chat = client.chat.completions.create(model=collection, messages=[{"role": "user", "content": "What causes tides?"}])
pieces = []
finish = None
for chunk in client.chat.completions.create(model=collection, messages=[{"role": "user", "content": "What causes tides?"}], stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
    if chunk.choices and chunk.choices[0].finish_reason:
        finish = chunk.choices[0].finish_reason
try:
    client.chat.completions.create(model="no-such-collection", messages=[{"role": "user", "content": "x"}])
    missing = None
except openai.NotFoundError as error:
    missing = error.status_code

print(json.dumps({
    "sdk": openai.__version__,
    "embedding_count": len(embeddings.data),
    "dimension": len(embeddings.data[0].embedding),
    "embedding_model": embeddings.model,
    "chat_content": chat.choices[0].message.content,
    "chat_finish": chat.choices[0].finish_reason,
    "stream_content": "".join(pieces),
    "stream_finish": finish,
    "missing_status": missing,
}))
