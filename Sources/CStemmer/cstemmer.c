// The libstemmer calls behind cstemmer.h: a thin layer so Swift sees only <stdint.h> types.
#include "cstemmer.h"
#include <libstemmer.h>

quarry_stemmer *quarry_stemmer_new(const char *algorithm) {
    return (quarry_stemmer *)sb_stemmer_new(algorithm, "UTF_8");
}

void quarry_stemmer_delete(quarry_stemmer *stemmer) {
    if (stemmer) sb_stemmer_delete((struct sb_stemmer *)stemmer);
}

const uint8_t *quarry_stemmer_stem(quarry_stemmer *stemmer, const uint8_t *word, int32_t length, int32_t *out_length) {
    struct sb_stemmer *s = (struct sb_stemmer *)stemmer;
    const sb_symbol *stem = sb_stemmer_stem(s, (const sb_symbol *)word, length);
    if (!stem) { *out_length = 0; return 0; }
    *out_length = sb_stemmer_length(s);
    return (const uint8_t *)stem;
}

const char **quarry_stemmer_algorithms(void) {
    return sb_stemmer_list();
}
