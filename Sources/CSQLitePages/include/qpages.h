#ifndef QPAGES_H
#define QPAGES_H

// sqlite3.h is included by the implementation only, so this module does not clash with the
// SQLite module GRDB imports; handles are passed as void * (GRDB's `sqliteConnection`).
#include <stdint.h>

/// Registers the "quarry-pages" VFS as SQLite's default (once; later calls do nothing).
/// It wraps the platform VFS and keeps a checksum in the last 8 bytes of every page of a
/// main database file whose header reserves 8 bytes per page: computed when a page is
/// written, verified when it is read (a mismatch is SQLITE_IOERR_DATA). Databases without
/// the reservation are passed through unchanged.
/// Returns 0 (SQLITE_OK) or SQLite's error code.
int quarry_pages_register(void);

/// On a database with no pages yet, reserves the 8 bytes per page the checksums live in.
/// Must run before anything writes the database. Returns SQLITE_OK, or an error code.
int quarry_pages_reserve(void *db);

/// The bytes the main database reserves at the end of each page (8 when checksummed), or -1.
int quarry_pages_reserved(void *db);

/// The checksum of a page (what the VFS stores in its last 8 bytes), for tests.
void quarry_pages_checksum(const unsigned char *page, int size, int64_t pgno, unsigned char out[8]);

#endif
