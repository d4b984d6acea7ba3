// A small C shim over the system ICU (libicu 72 on Debian 12).
//
// Why a shim: Foundation on Linux carries its own private ICU; a Swift module that sees both
// it and a module map over <unicode/*.h> fails to build clean (`UErrorCode has different
// definitions`). This header therefore uses only <stdint.h> types, and every ICU call lives
// in cicu.c, where ICU's versioned-name macros expand normally.
#ifndef QUARRY_CICU_H
#define QUARRY_CICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kinds of text boundary the segmenter can find.
enum {
    QICU_BREAK_WORD = 0,
    QICU_BREAK_SENTENCE = 1,
};

/// Finds every boundary of `kind` in `text` (UTF-16, `length` code units) for `locale`
/// (NULL or "" for the root locale). Boundaries are UTF-16 offsets, ascending, starting at 0
/// and ending at `length`; `capacity` must be at least `length + 1`, which always suffices.
/// For word breaks, `statuses[i]` receives the rule status of the segment that ends at
/// `boundaries[i]` (ICU's UBRK_WORD_* ranges: <100 none/punctuation, 100 number, 200 letter,
/// 300 kana, 400 ideograph); `statuses` may be NULL. Iterators are cached per thread.
/// Returns the number of boundaries written, or -1 on error with the ICU code in `error`.
int32_t qicu_boundaries(int32_t kind, const uint16_t *text, int32_t length, const char *locale,
                        int32_t *boundaries, int32_t *statuses, int32_t capacity, int32_t *error);

/// Applies NFKC_Casefold to `source` (UTF-16). Writes at most `capacity` units to `dest`
/// and returns the full length needed (call again with a bigger buffer if it exceeds
/// `capacity`), or -1 on error with the ICU code in `error`.
int32_t qicu_nfkc_casefold(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                           int32_t *error);

/// Applies NFC to `source` (UTF-16); same contract as `qicu_nfkc_casefold`.
int32_t qicu_nfc(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity, int32_t *error);

/// The ICU script code (UScriptCode) of a code point, for script-mix statistics.
int32_t qicu_script(uint32_t codepoint);

/// Writes the short name ("Latn", "Hani", …) of a UScriptCode into `dest` (NUL-terminated,
/// at most `capacity` bytes). Returns the length, or -1 if unknown.
int32_t qicu_script_name(int32_t script, char *dest, int32_t capacity);

/// The ICU version string, e.g. "72.1".
void qicu_version(char *dest, int32_t capacity);

/// The name of an ICU error code, e.g. "U_ILLEGAL_ARGUMENT_ERROR".
const char *qicu_error_name(int32_t error);

#ifdef __cplusplus
}
#endif

#endif
