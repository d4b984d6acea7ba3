/// The OpenAPI 3.1 document served at `/openapi.json`: a copy of openapi/openapi.json
/// compiled in (a test keeps the two identical and checks it against `Routes.table`).
/// Regenerate with scripts/gen-openapi-swift after editing the JSON.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Quarry",
    "version": "0.1.0",
    "description": "Self-hosted retrieval-augmented generation: search and grounded answers over the collections of a Quarry home. Errors are application/problem+json (RFC 9457). Send API keys as 'Authorization: Bearer KEY'."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8080"
    }
  ],
  "security": [
    {
      "bearer": []
    }
  ],
  "paths": {
    "/healthz": {
      "get": {
        "operationId": "health",
        "summary": "Liveness",
        "security": [],
        "responses": {
          "200": {
            "description": "The process is up.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "status": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/readyz": {
      "get": {
        "operationId": "ready",
        "summary": "Readiness: every collection opened",
        "security": [],
        "responses": {
          "200": {
            "description": "Ready.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Ready"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "description": "Still loading.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Ready"
                }
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus metrics",
        "responses": {
          "200": {
            "description": "Text exposition format 0.0.4.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Error401"
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        },
        "description": "Needs an API key of any scope, even with open reads (the series name every collection)."
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This document",
        "security": [],
        "responses": {
          "200": {
            "description": "The OpenAPI document.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/collections": {
      "get": {
        "operationId": "listCollections",
        "summary": "List collections",
        "responses": {
          "200": {
            "description": "The collections of the home.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "object"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No API key, or a key that is not valid.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the read scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/collections/{name}": {
      "get": {
        "operationId": "getCollection",
        "summary": "Inspect a collection",
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "description": "The collection name (1-64 of a-z 0-9 _ -).",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The committed generation.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Collection"
                }
              }
            }
          },
          "400": {
            "description": "Bad input: malformed JSON, wrong types, unknown keys, empty or too long query, k out of range, bad filter.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No API key, or a key that is not valid.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the read scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such collection.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/collections/{name}/search": {
      "post": {
        "operationId": "search",
        "summary": "Ranked hits for a query",
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "description": "The collection name (1-64 of a-z 0-9 _ -).",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SearchRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Hits, best first, with stage timings.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SearchResponse"
                }
              }
            }
          },
          "400": {
            "description": "Bad input: malformed JSON, wrong types, unknown keys, empty or too long query, k out of range, bad filter.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No API key, or a key that is not valid.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the read scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such collection.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "description": "The body is larger than server.max_body_bytes.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "502": {
            "description": "A dependency (the embedder or reranker) failed.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "503": {
            "description": "At the concurrency limit (Retry-After: 1).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "504": {
            "description": "The request took longer than server.request_timeout_seconds.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/collections/{name}/query": {
      "post": {
        "operationId": "query",
        "summary": "A grounded answer with citations",
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "description": "The collection name (1-64 of a-z 0-9 _ -).",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/QueryRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The answer (JSON), or server-sent events when stream is true.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Answer"
                }
              },
              "text/event-stream": {
                "schema": {
                  "type": "object",
                  "required": [
                    "data"
                  ],
                  "properties": {
                    "event": {
                      "type": "string"
                    },
                    "data": {
                      "type": "string"
                    },
                    "id": {
                      "type": "string"
                    },
                    "retry": {
                      "type": "integer"
                    }
                  },
                  "description": "One server-sent event: 'event' is context ({sources}), token ({text}, answer deltas), fallback ({reason}), done (the Answer object) or error (a problem: status, title, detail); 'data' is that JSON. A request refused before the first event is answered with its own status instead."
                }
              }
            }
          },
          "400": {
            "description": "Bad input: malformed JSON, wrong types, unknown keys, empty or too long query, k out of range, bad filter.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No API key, or a key that is not valid.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the read scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such collection.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "description": "The body is larger than server.max_body_bytes.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "502": {
            "description": "A dependency (the embedder or reranker) failed.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "503": {
            "description": "At the concurrency limit (Retry-After: 1).",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "504": {
            "description": "The request took longer than server.request_timeout_seconds.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/collections/{name}/drift": {
      "get": {
        "operationId": "getDrift",
        "summary": "The latest drift verdicts of a collection",
        "description": "Verdicts of the collection's latest stored drift check (query drift of its query log against a reference), as `quarry drift queries --collection NAME` (e.g. daily from cron) or `quarry drift check --current querylog:NAME@WINDOW` stored them; not computed per request. Histograms and the HTML report are in the check's tracking run (report.json, report.html).",
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "description": "The collection name (1-64 of a-z 0-9 _ -).",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The latest check.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DriftVerdicts"
                }
              }
            }
          },
          "400": {
            "description": "The collection name is not valid.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No API key, or a key that is not valid.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the read scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such collection, or no drift check stored for it yet.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/collections/{name}/documents": {
      "post": {
        "operationId": "writeDocuments",
        "summary": "Add, replace or delete documents (write scope)",
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "description": "The collection name (1-64 of a-z 0-9 _ -).",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
            }
          }
        ],
        "description": "Chunked and embedded like the CLI ingest, committed atomically through the collection's single writer; readers answer from the previous generation until the commit is visible. Creates the collection when it does not exist. Unchanged documents are skipped.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DocumentsRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The commit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WriteResult"
                }
              }
            }
          },
          "400": {
            "description": "Bad input.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the write scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/Error404"
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "409": {
            "description": "Another writer holds the collection, or its embedder differs from the server's.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "413": {
            "description": "Body too large.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "502": {
            "description": "The embedder failed.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/collections/{name}/documents/{id}": {
      "delete": {
        "operationId": "deleteDocument",
        "summary": "Delete a document (write scope)",
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "description": "The collection name (1-64 of a-z 0-9 _ -).",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The document id, percent-encoded (a / is %2F).",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The commit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WriteResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error400"
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the write scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such collection or document.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "409": {
            "description": "Another writer holds the collection.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/embeddings": {
      "post": {
        "operationId": "createEmbeddings",
        "summary": "OpenAI-compatible embeddings with the server's embedder",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "input"
                ],
                "additionalProperties": false,
                "properties": {
                  "input": {
                    "oneOf": [
                      {
                        "type": "string"
                      },
                      {
                        "type": "array",
                        "items": {
                          "type": "string"
                        },
                        "maxItems": 2048
                      }
                    ]
                  },
                  "model": {
                    "type": "string",
                    "description": "The embedder's model name, or omitted."
                  },
                  "encoding_format": {
                    "type": "string",
                    "enum": [
                      "float",
                      "base64"
                    ]
                  },
                  "dimensions": {
                    "type": "integer"
                  },
                  "user": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OpenAI's embedding list.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "object": {
                      "type": "string"
                    },
                    "model": {
                      "type": "string"
                    },
                    "data": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "object": {
                            "type": "string"
                          },
                          "index": {
                            "type": "integer"
                          },
                          "embedding": {
                            "description": "The vector: an array of numbers, or with encoding_format \"base64\" the little-endian float32 bytes in base64.",
                            "oneOf": [
                              {
                                "type": "array",
                                "items": {
                                  "type": "number"
                                }
                              },
                              {
                                "type": "string",
                                "contentEncoding": "base64"
                              }
                            ]
                          }
                        }
                      }
                    },
                    "usage": {
                      "type": "object"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "Bad input.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No embedding model: this server runs without an embedder (embedding.provider none), or the collection named does not exist.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "description": "Body too large.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "502": {
            "description": "The embedder failed.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/chat/completions": {
      "post": {
        "operationId": "createChatCompletion",
        "summary": "OpenAI-compatible chat: model names a collection; the answer is grounded with citations",
        "description": "The last user message is the question. The reply's message ends with the cited sources; `quarry` carries the structured citations. With stream true: chat.completion.chunk events, then data: [DONE].",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "model",
                  "messages"
                ],
                "additionalProperties": false,
                "properties": {
                  "model": {
                    "type": "string",
                    "description": "A collection name."
                  },
                  "messages": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "role": {
                          "type": "string"
                        },
                        "content": {
                          "type": [
                            "string",
                            "null"
                          ]
                        }
                      }
                    }
                  },
                  "stream": {
                    "type": "boolean"
                  },
                  "temperature": {
                    "type": "number"
                  },
                  "max_tokens": {
                    "type": "integer"
                  },
                  "top_p": {
                    "type": "number"
                  },
                  "user": {
                    "type": "string"
                  },
                  "n": {
                    "type": "integer",
                    "enum": [
                      1
                    ]
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "A chat.completion (or server-sent chunks).",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              },
              "text/event-stream": {
                "schema": {
                  "type": "object",
                  "required": [
                    "data"
                  ],
                  "properties": {
                    "event": {
                      "type": "string"
                    },
                    "data": {
                      "type": "string"
                    },
                    "id": {
                      "type": "string"
                    },
                    "retry": {
                      "type": "integer"
                    }
                  },
                  "description": "One server-sent event: 'data' is a chat.completion.chunk object, or [DONE] at the end."
                }
              }
            }
          },
          "400": {
            "description": "Bad input.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "The model is not a collection.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "description": "Body too large.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          },
          "504": {
            "description": "Timed out.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/runs": {
      "get": {
        "operationId": "listRuns",
        "summary": "Tracked runs, newest first",
        "parameters": [
          {
            "name": "experiment",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "filter",
            "in": "query",
            "schema": {
              "type": "string"
            },
            "description": "e.g. metrics.hybrid/ndcg@10 > 0.7 and status = finished"
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Runs.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "object"
                  }
                }
              }
            }
          },
          "400": {
            "description": "Bad filter or limit.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/runs/{id}": {
      "get": {
        "operationId": "getRun",
        "summary": "A run: params, latest metrics, artifacts",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error400"
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such run.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/registry": {
      "get": {
        "operationId": "listPipelines",
        "summary": "Registered pipelines with their aliases",
        "responses": {
          "200": {
            "description": "Pipelines.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "object"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/registry/{pipeline}": {
      "get": {
        "operationId": "getPipeline",
        "summary": "A pipeline's versions, aliases and alias history",
        "parameters": [
          {
            "name": "pipeline",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The pipeline.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error400"
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such pipeline.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/registry/{pipeline}/aliases": {
      "post": {
        "operationId": "moveAlias",
        "summary": "Move an alias (admin scope), optionally gated",
        "parameters": [
          {
            "name": "pipeline",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "alias",
                  "version"
                ],
                "additionalProperties": false,
                "properties": {
                  "alias": {
                    "type": "string"
                  },
                  "version": {
                    "type": "integer"
                  },
                  "reason": {
                    "type": "string"
                  },
                  "require": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "e.g. ndcg@10>=0.35; refused (400) when a metric falls short"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Moved.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "description": "Bad input or a failed gate.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "No such pipeline or version.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "$ref": "#/components/responses/Error413"
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/pipelines/{pipeline}/query": {
      "post": {
        "operationId": "pipelineQuery",
        "summary": "Like the collection route, answered from the collection the served pipeline's alias points at now",
        "parameters": [
          {
            "name": "pipeline",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/QueryRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "As POST /v1/collections/{name}/query.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error400"
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "The pipeline is not served here.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "$ref": "#/components/responses/Error413"
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    },
    "/v1/pipelines/{pipeline}/search": {
      "post": {
        "operationId": "pipelineSearch",
        "summary": "Like the collection route, answered from the collection the served pipeline's alias points at now",
        "parameters": [
          {
            "name": "pipeline",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SearchRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "As POST /v1/collections/{name}/search.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error400"
          },
          "401": {
            "description": "No or invalid key.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "403": {
            "description": "The key lacks the scope.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "404": {
            "description": "The pipeline is not served here.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "405": {
            "$ref": "#/components/responses/Error405"
          },
          "408": {
            "$ref": "#/components/responses/Error408"
          },
          "413": {
            "$ref": "#/components/responses/Error413"
          },
          "415": {
            "$ref": "#/components/responses/Error415"
          },
          "417": {
            "$ref": "#/components/responses/Error417"
          },
          "431": {
            "$ref": "#/components/responses/Error431"
          },
          "503": {
            "$ref": "#/components/responses/Error503"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from server.api_keys_env (scopes read, write, admin)."
      }
    },
    "schemas": {
      "Problem": {
        "type": "object",
        "required": [
          "type",
          "title",
          "status",
          "detail"
        ],
        "properties": {
          "type": {
            "type": "string"
          },
          "title": {
            "type": "string"
          },
          "status": {
            "type": "integer"
          },
          "detail": {
            "type": "string"
          },
          "instance": {
            "type": "string",
            "description": "urn:quarry:request:ID, the X-Request-Id of the response."
          }
        }
      },
      "Ready": {
        "type": "object",
        "properties": {
          "ready": {
            "type": "boolean"
          },
          "collections": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          },
          "failed": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          }
        }
      },
      "Collection": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "generation": {
            "type": "integer"
          },
          "documents": {
            "type": "integer"
          },
          "chunks": {
            "type": "integer"
          },
          "analyzer": {
            "type": "string"
          },
          "embedder": {
            "type": [
              "string",
              "null"
            ]
          },
          "committed_at": {
            "type": "string"
          }
        }
      },
      "SearchRequest": {
        "type": "object",
        "required": [
          "query"
        ],
        "additionalProperties": false,
        "properties": {
          "query": {
            "type": "string",
            "minLength": 1,
            "description": "The question or search text (at most server.max_query_characters)."
          },
          "mode": {
            "type": "string",
            "enum": [
              "hybrid",
              "dense",
              "lexical"
            ],
            "description": "Default: retrieval.mode."
          },
          "k": {
            "type": "integer",
            "minimum": 1,
            "description": "Hits (at most server.max_k). Default: retrieval.k."
          },
          "filter": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Metadata conditions, all must hold: field=value, field!=value, 'field in a|b', field>=n, field>n, field<=n, field<n."
          },
          "rerank": {
            "type": "boolean",
            "description": "Rerank the fused hits with the configured reranker."
          },
          "explain": {
            "type": "boolean",
            "description": "Include each hit's per-stage ranks and scores."
          },
          "mmr": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "MMR lambda (1 = relevance only)."
          }
        }
      },
      "QueryRequest": {
        "type": "object",
        "required": [
          "query"
        ],
        "additionalProperties": false,
        "properties": {
          "query": {
            "type": "string",
            "minLength": 1,
            "description": "The question or search text (at most server.max_query_characters)."
          },
          "mode": {
            "type": "string",
            "enum": [
              "hybrid",
              "dense",
              "lexical"
            ],
            "description": "Default: retrieval.mode."
          },
          "k": {
            "type": "integer",
            "minimum": 1,
            "description": "Hits (at most server.max_k). Default: retrieval.k."
          },
          "filter": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Metadata conditions, all must hold: field=value, field!=value, 'field in a|b', field>=n, field>n, field<=n, field<n."
          },
          "rerank": {
            "type": "boolean",
            "description": "Rerank the fused hits with the configured reranker."
          },
          "explain": {
            "type": "boolean",
            "description": "Include each hit's per-stage ranks and scores."
          },
          "mmr": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "MMR lambda (1 = relevance only)."
          },
          "stream": {
            "type": "boolean",
            "description": "Answer as server-sent events: context, token, fallback, done (or error)."
          }
        }
      },
      "Hit": {
        "type": "object",
        "required": [
          "rank",
          "score",
          "chunk_id",
          "doc_id",
          "ordinal",
          "title",
          "context",
          "text",
          "start",
          "end"
        ],
        "properties": {
          "rank": {
            "type": "integer"
          },
          "score": {
            "type": "number"
          },
          "chunk_id": {
            "type": "integer"
          },
          "doc_id": {
            "type": "string"
          },
          "ordinal": {
            "type": "integer"
          },
          "title": {
            "type": "string"
          },
          "context": {
            "type": "string"
          },
          "text": {
            "type": "string"
          },
          "start": {
            "type": "integer"
          },
          "end": {
            "type": "integer"
          },
          "stages": {
            "type": "object",
            "additionalProperties": {
              "type": "number"
            },
            "description": "Per-stage ranks and scores (explain)."
          },
          "merged_chunks": {
            "type": "array",
            "items": {
              "type": "integer"
            }
          }
        }
      },
      "SearchResponse": {
        "type": "object",
        "properties": {
          "collection": {
            "type": "string"
          },
          "generation": {
            "type": "integer"
          },
          "mode": {
            "type": "string"
          },
          "hits": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Hit"
            }
          },
          "timings_ms": {
            "type": "object",
            "additionalProperties": {
              "type": "number"
            }
          },
          "dense_trust": {
            "type": [
              "number",
              "null"
            ]
          },
          "reranker": {
            "type": [
              "string",
              "null"
            ]
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "Answer": {
        "type": "object",
        "required": [
          "question",
          "text",
          "kind",
          "citations",
          "sources",
          "hits",
          "prompt",
          "mode",
          "timings_ms"
        ],
        "properties": {
          "question": {
            "type": "string"
          },
          "text": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "generated",
              "extractive",
              "no_context"
            ]
          },
          "fallback_reason": {
            "type": [
              "string",
              "null"
            ]
          },
          "citations": {
            "type": "array",
            "items": {
              "type": "object"
            }
          },
          "unknown_citations": {
            "type": "array",
            "items": {
              "type": "integer"
            }
          },
          "sources": {
            "type": "array",
            "items": {
              "type": "object"
            }
          },
          "hits": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Hit"
            }
          },
          "prompt": {
            "type": "string"
          },
          "model": {
            "type": [
              "string",
              "null"
            ]
          },
          "mode": {
            "type": "string"
          },
          "dense_trust": {
            "type": [
              "number",
              "null"
            ]
          },
          "reranker": {
            "type": [
              "string",
              "null"
            ]
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "timings_ms": {
            "type": "object",
            "additionalProperties": {
              "type": "number"
            }
          }
        }
      },
      "DocumentsRequest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "documents": {
            "type": "array",
            "maxItems": 1000,
            "items": {
              "type": "object",
              "required": [
                "id",
                "text"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "title": {
                  "type": "string"
                },
                "text": {
                  "type": "string"
                },
                "metadata": {
                  "type": "object"
                }
              }
            }
          },
          "delete": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "WriteResult": {
        "type": "object",
        "properties": {
          "generation": {
            "type": "integer"
          },
          "added": {
            "type": "integer"
          },
          "replaced": {
            "type": "integer"
          },
          "unchanged": {
            "type": "integer"
          },
          "deleted": {
            "type": "integer"
          },
          "chunks_added": {
            "type": "integer"
          },
          "collection": {
            "type": "string"
          },
          "failed": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "DriftVerdicts": {
        "type": "object",
        "properties": {
          "collection": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "queries",
              "corpus"
            ]
          },
          "checked_at": {
            "type": "string"
          },
          "reference": {
            "type": "object",
            "properties": {
              "source": {
                "type": "string",
                "description": "The side as given: a queries file, querylog:NAME@WINDOW, collection:NAME or version:PIPELINE@REF."
              },
              "rows": {
                "type": "integer",
                "description": "Rows the features were computed on (after sampling)."
              },
              "total_rows": {
                "type": "integer"
              },
              "window_start": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "window_end": {
                "type": [
                  "string",
                  "null"
                ]
              }
            }
          },
          "current": {
            "type": "object",
            "properties": {
              "source": {
                "type": "string",
                "description": "The side as given: a queries file, querylog:NAME@WINDOW, collection:NAME or version:PIPELINE@REF."
              },
              "rows": {
                "type": "integer",
                "description": "Rows the features were computed on (after sampling)."
              },
              "total_rows": {
                "type": "integer"
              },
              "window_start": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "window_end": {
                "type": [
                  "string",
                  "null"
                ]
              }
            }
          },
          "drifted": {
            "type": "boolean",
            "description": "Dataset drift: at least share_threshold of the judged features drifted."
          },
          "drifted_count": {
            "type": "integer"
          },
          "drifted_share": {
            "type": "number"
          },
          "share_threshold": {
            "type": "number"
          },
          "features": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "feature": {
                  "type": "string",
                  "description": "query_length, script, oov_rate, best_lexical_score, best_dense_score, no_good_result, latency_ms, query_embedding (corpus checks: chunk_length, vocabulary, script, chunk_embedding)."
                },
                "kind": {
                  "type": "string",
                  "enum": [
                    "numeric",
                    "categorical",
                    "embedding"
                  ]
                },
                "method": {
                  "type": "string",
                  "enum": [
                    "kolmogorovSmirnov",
                    "chiSquared",
                    "populationStabilityIndex",
                    "wasserstein",
                    "jensenShannon",
                    "maximumMeanDiscrepancy",
                    "domainClassifier"
                  ]
                },
                "score": {
                  "type": "number",
                  "description": "The test statistic or the distance."
                },
                "p_value": {
                  "type": [
                    "number",
                    "null"
                  ]
                },
                "threshold": {
                  "type": "number",
                  "description": "alpha for tests, the distance threshold otherwise."
                },
                "drifted": {
                  "type": "boolean"
                },
                "reference_count": {
                  "type": "integer"
                },
                "current_count": {
                  "type": "integer"
                }
              }
            }
          },
          "skipped": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "feature": {
                  "type": "string"
                },
                "reason": {
                  "type": "string"
                }
              }
            }
          },
          "run_id": {
            "type": [
              "string",
              "null"
            ],
            "description": "The tracking run of the check (experiment drift)."
          }
        }
      }
    },
    "responses": {
      "Error400": {
        "description": "Bad input: malformed JSON or body (including malformed chunked encoding), wrong types, unknown keys, a bad path parameter, a malformed Content-Length.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error401": {
        "description": "No API key, or one that is not valid.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error404": {
        "description": "No such collection, pipeline, run or document (or no such route).",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error405": {
        "description": "The path exists but not with this method; the Allow header lists the methods.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error408": {
        "description": "The request body did not arrive within server.body_timeout_seconds.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error413": {
        "description": "The body (or its declared Content-Length) is larger than server.max_body_bytes.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error415": {
        "description": "The Content-Type is not application/json.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error417": {
        "description": "An Expect header other than 100-continue.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error431": {
        "description": "The request head is larger than server.max_header_bytes.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Error503": {
        "description": "At the concurrency limit (server.max_concurrent_requests; Retry-After: 1), or the request was cancelled at shutdown.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      }
    }
  }
}
"""#
}
