#ifndef QUARRY_CSTEMMER_H
#define QUARRY_CSTEMMER_H

#include <stdint.h>

/// An opaque Snowball stemmer from the system libstemmer (one per thread: not thread-safe).
typedef struct quarry_stemmer quarry_stemmer;

/// A stemmer for `algorithm` ("english", "german", ...) on UTF-8, or NULL when libstemmer
/// has no such algorithm.
quarry_stemmer *quarry_stemmer_new(const char *algorithm);
void quarry_stemmer_delete(quarry_stemmer *stemmer);

/// Stems `length` UTF-8 bytes of `word`. Returns the stem's bytes (owned by the stemmer,
/// valid until the next call) and writes its length to `out_length`; NULL when out of memory.
const uint8_t *quarry_stemmer_stem(quarry_stemmer *stemmer, const uint8_t *word, int32_t length, int32_t *out_length);

/// The algorithms the linked libstemmer provides, NULL-terminated.
const char **quarry_stemmer_algorithms(void);

#endif
