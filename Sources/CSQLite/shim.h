// The SQLite C API, with static inline wrappers for what Swift cannot import (macros).
#ifndef MALLSETTLE_CSQLITE_SHIM_H
#define MALLSETTLE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import: SQLite copies the bound bytes.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

static inline int csqlite_bind_text_transient(sqlite3_stmt *stmt, int index, const char *text, int bytes) {
    return sqlite3_bind_text(stmt, index, text, bytes, SQLITE_TRANSIENT);
}
/// sqlite3_config is variadic, which Swift cannot call. Turning memory statistics off spares
/// every allocation SQLite makes a global mutex (the store never reads those statistics).
/// Only valid before the first connection is opened.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
