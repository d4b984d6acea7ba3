#ifndef QUARRY_CCLD2_H
#define QUARRY_CCLD2_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CLD2's verdict on a text: up to three languages (ISO 639-1 codes such as "en", "zh",
/// "zh-Hant"; "un" when unknown) with the percentage of the text's letters in each.
typedef struct {
    char codes[3][16];
    int32_t percents[3];
    /// Bytes of letters CLD2 scored (spaces, digits and punctuation excluded).
    int32_t text_bytes;
    /// CLD2's own reliability flag: enough text and a clear margin over the runner-up.
    int32_t reliable;
} quarry_language_guess;

/// Identifies the language of `length` bytes of valid UTF-8 plain text.
void quarry_cld2_detect(const char *utf8, int32_t length, quarry_language_guess *out);

#ifdef __cplusplus
}
#endif

#endif
