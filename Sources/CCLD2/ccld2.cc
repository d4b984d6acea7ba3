// The CLD2 call behind ccld2.h. Debian's libcld2-dev ships compact_lang_det.h without the
// internal headers it includes, so the two entry points used here are declared by hand,
// with the signatures (and C++ mangled names) of libcld2.so.0.
#include "ccld2.h"
#include <string.h>

namespace CLD2 {
    // The library's `enum Language`; only its type name matters to the linker.
    enum Language { UNKNOWN_LANGUAGE = 26 };
    Language DetectLanguageSummary(const char *buffer, int buffer_length, bool is_plain_text, Language *language3,
                                   int *percent3, int *text_bytes, bool *is_reliable);
    const char *LanguageCode(Language lang);
}

static void copy_code(char *destination, const char *code) {
    if (!code) code = "un";
    strncpy(destination, code, 15);
    destination[15] = 0;
}

extern "C" void quarry_cld2_detect(const char *utf8, int32_t length, quarry_language_guess *out) {
    CLD2::Language languages[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE};
    int percents[3] = {0, 0, 0};
    int text_bytes = 0;
    bool reliable = false;
    CLD2::DetectLanguageSummary(utf8, length, true, languages, percents, &text_bytes, &reliable);
    for (int i = 0; i < 3; i++) {
        copy_code(out->codes[i], CLD2::LanguageCode(languages[i]));
        out->percents[i] = percents[i];
    }
    out->text_bytes = text_bytes;
    out->reliable = reliable ? 1 : 0;
}
