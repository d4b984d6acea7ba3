// Implementation of the ICU shim; see include/cicu.h for why it exists.
#include "cicu.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uversion.h>
#include <unicode/utypes.h>

// One cached iterator per kind per thread: ubrk_open loads and compiles rules (tens of
// microseconds), ubrk_setText is cheap. The cache is keyed by locale.
typedef struct {
    UBreakIterator *iterator;
    char locale[32];
} CachedIterator;

static _Thread_local CachedIterator cache[2];

static UBreakIterator *iterator_for(int32_t kind, const char *locale, UErrorCode *status) {
    const char *loc = (locale && locale[0]) ? locale : "";
    CachedIterator *slot = &cache[kind == QICU_BREAK_SENTENCE ? 1 : 0];
    if (slot->iterator && strncmp(slot->locale, loc, sizeof(slot->locale)) == 0) {
        return slot->iterator;
    }
    if (slot->iterator) {
        ubrk_close(slot->iterator);
        slot->iterator = NULL;
    }
    UBreakIteratorType type = kind == QICU_BREAK_SENTENCE ? UBRK_SENTENCE : UBRK_WORD;
    UBreakIterator *it = ubrk_open(type, loc, NULL, 0, status);
    if (U_FAILURE(*status)) {
        return NULL;
    }
    slot->iterator = it;
    strncpy(slot->locale, loc, sizeof(slot->locale) - 1);
    slot->locale[sizeof(slot->locale) - 1] = 0;
    return it;
}

int32_t qicu_boundaries(int32_t kind, const uint16_t *text, int32_t length, const char *locale,
                        int32_t *boundaries, int32_t *statuses, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    *error = 0;
    if (capacity < length + 1 || length < 0) {
        *error = U_BUFFER_OVERFLOW_ERROR;
        return -1;
    }
    if (length == 0) {
        boundaries[0] = 0;
        if (statuses) statuses[0] = 0;
        return 1;
    }
    UBreakIterator *it = iterator_for(kind, locale, &status);
    if (!it) {
        *error = status;
        return -1;
    }
    ubrk_setText(it, (const UChar *)text, length, &status);
    if (U_FAILURE(status)) {
        *error = status;
        return -1;
    }
    int32_t count = 0;
    int32_t position = ubrk_first(it);
    while (position != UBRK_DONE && count < capacity) {
        boundaries[count] = position;
        if (statuses) statuses[count] = count == 0 ? 0 : ubrk_getRuleStatus(it);
        count++;
        position = ubrk_next(it);
    }
    // Detach the caller's buffer so the cached iterator never points at freed memory.
    UErrorCode ignored = U_ZERO_ERROR;
    ubrk_setText(it, (const UChar *)u"", 0, &ignored);
    return count;
}

static int32_t normalize_with(const UNormalizer2 *normalizer, UErrorCode status, const uint16_t *source,
                              int32_t length, uint16_t *dest, int32_t capacity, int32_t *error) {
    *error = 0;
    if (U_FAILURE(status) || !normalizer) {
        *error = status;
        return -1;
    }
    int32_t needed = unorm2_normalize(normalizer, (const UChar *)source, length, (UChar *)dest, capacity, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) {
        return needed;
    }
    if (U_FAILURE(status)) {
        *error = status;
        return -1;
    }
    return needed;
}

int32_t qicu_nfkc_casefold(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                           int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *normalizer = unorm2_getNFKCCasefoldInstance(&status);
    return normalize_with(normalizer, status, source, length, dest, capacity, error);
}

int32_t qicu_nfc(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *normalizer = unorm2_getNFCInstance(&status);
    return normalize_with(normalizer, status, source, length, dest, capacity, error);
}

int32_t qicu_script(uint32_t codepoint) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode code = uscript_getScript((UChar32)codepoint, &status);
    return U_FAILURE(status) ? -1 : (int32_t)code;
}

int32_t qicu_script_name(int32_t script, char *dest, int32_t capacity) {
    const char *name = uscript_getShortName((UScriptCode)script);
    if (!name || capacity <= 0) return -1;
    int32_t n = (int32_t)strlen(name);
    if (n >= capacity) n = capacity - 1;
    memcpy(dest, name, (size_t)n);
    dest[n] = 0;
    return n;
}

void qicu_version(char *dest, int32_t capacity) {
    UVersionInfo info;
    char buffer[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(info);
    u_versionToString(info, buffer);
    if (capacity <= 0) return;
    strncpy(dest, buffer, (size_t)capacity - 1);
    dest[capacity - 1] = 0;
}

const char *qicu_error_name(int32_t error) {
    return u_errorName((UErrorCode)error);
}
