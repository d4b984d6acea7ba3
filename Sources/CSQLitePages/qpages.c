// Page checksums for SQLite databases: a VFS shim over the platform VFS.
//
// SQLite detects damage to its b-tree structure, but a flipped bit inside a row's payload
// (a chunk's text, a vector, a metric value) reads back as a different value without any
// error. Databases created by Quarry reserve 8 bytes at the end of every page; this shim
// writes a checksum of the rest of the page there whenever SQLite writes a page of the main
// database file, and verifies it whenever SQLite reads one, so damage at rest becomes an
// I/O error instead of a silently different answer.
//
// Pages travel through the WAL and rollback journal unverified (the WAL has SQLite's own
// frame checksums); they are checksummed when written to the main file, which is where they
// rest. Memory-mapped reads are declined for main files so every read is verified.
#include "qpages.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#define QP_RESERVE 8

typedef struct QPFile {
    sqlite3_file base;      // SQLite's view: methods are qp_io
    sqlite3_file *real;     // the platform file, stored right after this struct
    int mainDb;             // a main database file (the only kind checksummed)
    int checksummed;        // its header reserves QP_RESERVE bytes per page
    int pageSize;           // its page size, from the header
} QPFile;

static sqlite3_vfs *qp_base;
static sqlite3_vfs qp_vfs;
static sqlite3_io_methods qp_io;
static pthread_once_t qp_once = PTHREAD_ONCE_INIT;
static int qp_register_rc = SQLITE_OK;

static inline uint64_t qp_load_le32(const unsigned char *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

// FNV-1a over 32-bit little-endian words, seeded with the page number (a page written at
// another offset, or an all-zero page, does not verify), then a final avalanche. Each step
// is invertible, so any change of a single word always changes the sum.
void quarry_pages_checksum(const unsigned char *page, int size, int64_t pgno, unsigned char out[8]) {
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)pgno * 0x9E3779B97F4A7C15ULL);
    int words = (size - QP_RESERVE) / 4;
    for (int i = 0; i < words; i++) {
        h ^= qp_load_le32(page + 4 * i);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)(h >> (8 * i));
}

// Reads the page size and the reserved bytes from a database header (the first 100 bytes).
static void qp_note_header(QPFile *p, const unsigned char *header) {
    if (memcmp(header, "SQLite format 3", 16) != 0) return;
    int size = (header[16] << 8) | header[17];
    if (size == 1) size = 65536;
    p->pageSize = size;
    p->checksummed = header[20] == QP_RESERVE && size >= 512;
}

// Re-reads the header from the file itself: another connection (another process) may have
// created the database or changed its reservation since this one last looked.
static void qp_refresh(QPFile *p) {
    unsigned char header[100];
    sqlite3_int64 size = 0;
    if (p->real->pMethods->xFileSize(p->real, &size) == SQLITE_OK && size >= 100 &&
        p->real->pMethods->xRead(p->real, header, 100, 0) == SQLITE_OK) {
        qp_note_header(p, header);
    }
}

static int qp_is_page(QPFile *p, int amount, sqlite3_int64 offset) {
    return p->mainDb && p->checksummed && amount == p->pageSize && offset % amount == 0;
}

// -- file methods -------------------------------------------------------------------------

static int qpClose(sqlite3_file *f) {
    QPFile *p = (QPFile *)f;
    int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
    p->real->pMethods = 0;
    return rc;
}

static int qpRead(sqlite3_file *f, void *buffer, int amount, sqlite3_int64 offset) {
    QPFile *p = (QPFile *)f;
    int rc = p->real->pMethods->xRead(p->real, buffer, amount, offset);
    if (rc != SQLITE_OK || !p->mainDb) return rc;
    if (qp_is_page(p, amount, offset)) {
        unsigned char sum[8];
        quarry_pages_checksum(buffer, amount, offset / amount + 1, sum);
        if (memcmp(sum, (unsigned char *)buffer + amount - QP_RESERVE, QP_RESERVE) != 0) {
            sqlite3_log(SQLITE_IOERR_DATA, "quarry-pages: checksum mismatch on page %lld", offset / amount + 1);
            return SQLITE_IOERR_DATA;
        }
    }
    // Verified with what was known before; a (verified) new header then updates it.
    if (offset == 0 && amount >= 100) qp_note_header(p, buffer);
    return SQLITE_OK;
}

static int qpWrite(sqlite3_file *f, const void *buffer, int amount, sqlite3_int64 offset) {
    QPFile *p = (QPFile *)f;
    // Page 1 carries the header it establishes; any other page follows the header on disk
    // (a page written without a checksum would fail every later read).
    if (p->mainDb && offset == 0 && amount >= 100) qp_note_header(p, buffer);
    else if (p->mainDb && amount >= 512 && (amount & (amount - 1)) == 0) qp_refresh(p);
    if (!qp_is_page(p, amount, offset)) return p->real->pMethods->xWrite(p->real, buffer, amount, offset);
    unsigned char *page = sqlite3_malloc(amount);
    if (!page) return SQLITE_NOMEM;
    memcpy(page, buffer, amount);
    quarry_pages_checksum(page, amount, offset / amount + 1, page + amount - QP_RESERVE);
    int rc = p->real->pMethods->xWrite(p->real, page, amount, offset);
    sqlite3_free(page);
    return rc;
}

static int qpTruncate(sqlite3_file *f, sqlite3_int64 size) { return ((QPFile *)f)->real->pMethods->xTruncate(((QPFile *)f)->real, size); }
static int qpSync(sqlite3_file *f, int flags) { return ((QPFile *)f)->real->pMethods->xSync(((QPFile *)f)->real, flags); }
static int qpFileSize(sqlite3_file *f, sqlite3_int64 *size) { return ((QPFile *)f)->real->pMethods->xFileSize(((QPFile *)f)->real, size); }
static int qpLock(sqlite3_file *f, int level) {
    QPFile *p = (QPFile *)f;
    int rc = p->real->pMethods->xLock(p->real, level);
    // A new read transaction: look at the header again (cheap: once per transaction).
    if (rc == SQLITE_OK && p->mainDb && level == SQLITE_LOCK_SHARED) qp_refresh(p);
    return rc;
}
static int qpUnlock(sqlite3_file *f, int level) { return ((QPFile *)f)->real->pMethods->xUnlock(((QPFile *)f)->real, level); }
static int qpCheckReservedLock(sqlite3_file *f, int *out) { return ((QPFile *)f)->real->pMethods->xCheckReservedLock(((QPFile *)f)->real, out); }
static int qpFileControl(sqlite3_file *f, int op, void *arg) { return ((QPFile *)f)->real->pMethods->xFileControl(((QPFile *)f)->real, op, arg); }
static int qpSectorSize(sqlite3_file *f) { return ((QPFile *)f)->real->pMethods->xSectorSize(((QPFile *)f)->real); }
static int qpDeviceCharacteristics(sqlite3_file *f) { return ((QPFile *)f)->real->pMethods->xDeviceCharacteristics(((QPFile *)f)->real); }

static int qpShmMap(sqlite3_file *f, int page, int size, int extend, void volatile **out) {
    sqlite3_file *r = ((QPFile *)f)->real;
    return r->pMethods->iVersion >= 2 && r->pMethods->xShmMap ? r->pMethods->xShmMap(r, page, size, extend, out) : SQLITE_IOERR;
}
static int qpShmLock(sqlite3_file *f, int offset, int n, int flags) {
    sqlite3_file *r = ((QPFile *)f)->real;
    return r->pMethods->iVersion >= 2 && r->pMethods->xShmLock ? r->pMethods->xShmLock(r, offset, n, flags) : SQLITE_IOERR;
}
static void qpShmBarrier(sqlite3_file *f) {
    sqlite3_file *r = ((QPFile *)f)->real;
    if (r->pMethods->iVersion >= 2 && r->pMethods->xShmBarrier) r->pMethods->xShmBarrier(r);
}
static int qpShmUnmap(sqlite3_file *f, int deleteFlag) {
    sqlite3_file *r = ((QPFile *)f)->real;
    return r->pMethods->iVersion >= 2 && r->pMethods->xShmUnmap ? r->pMethods->xShmUnmap(r, deleteFlag) : SQLITE_OK;
}

// Main files are never memory-mapped (a NULL page makes SQLite use xRead, which verifies).
static int qpFetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out) {
    QPFile *p = (QPFile *)f;
    sqlite3_file *r = p->real;
    if (p->mainDb || r->pMethods->iVersion < 3 || !r->pMethods->xFetch) {
        *out = 0;
        return SQLITE_OK;
    }
    return r->pMethods->xFetch(r, offset, amount, out);
}
static int qpUnfetch(sqlite3_file *f, sqlite3_int64 offset, void *page) {
    QPFile *p = (QPFile *)f;
    sqlite3_file *r = p->real;
    if (p->mainDb || r->pMethods->iVersion < 3 || !r->pMethods->xUnfetch) return SQLITE_OK;
    return r->pMethods->xUnfetch(r, offset, page);
}

// -- VFS methods ---------------------------------------------------------------------------

static int qpOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags) {
    (void)vfs;
    QPFile *p = (QPFile *)f;
    memset(p, 0, sizeof(QPFile));
    p->real = (sqlite3_file *)&p[1];
    memset(p->real, 0, qp_base->szOsFile);
    int rc = qp_base->xOpen(qp_base, name, p->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        if (p->real->pMethods) p->real->pMethods->xClose(p->real);
        p->base.pMethods = 0;
        return rc;
    }
    p->mainDb = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    p->base.pMethods = &qp_io;
    if (p->mainDb) qp_refresh(p);
    return SQLITE_OK;
}

static int qpDelete(sqlite3_vfs *v, const char *name, int syncDir) { (void)v; return qp_base->xDelete(qp_base, name, syncDir); }
static int qpAccess(sqlite3_vfs *v, const char *name, int flags, int *out) { (void)v; return qp_base->xAccess(qp_base, name, flags, out); }
static int qpFullPathname(sqlite3_vfs *v, const char *name, int n, char *out) { (void)v; return qp_base->xFullPathname(qp_base, name, n, out); }
static void *qpDlOpen(sqlite3_vfs *v, const char *name) { (void)v; return qp_base->xDlOpen(qp_base, name); }
static void qpDlError(sqlite3_vfs *v, int n, char *out) { (void)v; qp_base->xDlError(qp_base, n, out); }
static void (*qpDlSym(sqlite3_vfs *v, void *h, const char *sym))(void) { (void)v; return qp_base->xDlSym(qp_base, h, sym); }
static void qpDlClose(sqlite3_vfs *v, void *h) { (void)v; qp_base->xDlClose(qp_base, h); }
static int qpRandomness(sqlite3_vfs *v, int n, char *out) { (void)v; return qp_base->xRandomness(qp_base, n, out); }
static int qpSleep(sqlite3_vfs *v, int us) { (void)v; return qp_base->xSleep(qp_base, us); }
static int qpCurrentTime(sqlite3_vfs *v, double *out) { (void)v; return qp_base->xCurrentTime(qp_base, out); }
static int qpGetLastError(sqlite3_vfs *v, int n, char *out) { (void)v; return qp_base->xGetLastError ? qp_base->xGetLastError(qp_base, n, out) : 0; }
static int qpCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *out) { (void)v; return qp_base->xCurrentTimeInt64(qp_base, out); }

static void qp_setup(void) {
    qp_base = sqlite3_vfs_find(0);
    if (!qp_base) {
        qp_register_rc = SQLITE_ERROR;
        return;
    }
    qp_io = (sqlite3_io_methods){
        .iVersion = 3, .xClose = qpClose, .xRead = qpRead, .xWrite = qpWrite, .xTruncate = qpTruncate, .xSync = qpSync,
        .xFileSize = qpFileSize, .xLock = qpLock, .xUnlock = qpUnlock, .xCheckReservedLock = qpCheckReservedLock,
        .xFileControl = qpFileControl, .xSectorSize = qpSectorSize, .xDeviceCharacteristics = qpDeviceCharacteristics,
        .xShmMap = qpShmMap, .xShmLock = qpShmLock, .xShmBarrier = qpShmBarrier, .xShmUnmap = qpShmUnmap,
        .xFetch = qpFetch, .xUnfetch = qpUnfetch,
    };
    qp_vfs = (sqlite3_vfs){
        .iVersion = 2, .szOsFile = (int)sizeof(QPFile) + qp_base->szOsFile, .mxPathname = qp_base->mxPathname,
        .zName = "quarry-pages", .xOpen = qpOpen, .xDelete = qpDelete, .xAccess = qpAccess, .xFullPathname = qpFullPathname,
        .xDlOpen = qpDlOpen, .xDlError = qpDlError, .xDlSym = qpDlSym, .xDlClose = qpDlClose, .xRandomness = qpRandomness,
        .xSleep = qpSleep, .xCurrentTime = qpCurrentTime, .xGetLastError = qpGetLastError, .xCurrentTimeInt64 = qpCurrentTimeInt64,
    };
    qp_register_rc = sqlite3_vfs_register(&qp_vfs, 1);
}

int quarry_pages_register(void) {
    pthread_once(&qp_once, qp_setup);
    return qp_register_rc;
}

int quarry_pages_reserve(void *db) {
    int reserve = QP_RESERVE;
    return sqlite3_file_control((sqlite3 *)db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
}

int quarry_pages_reserved(void *db) {
    int reserve = -1;  // -1 reads the value without changing it
    if (sqlite3_file_control((sqlite3 *)db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK) return -1;
    return reserve;
}
