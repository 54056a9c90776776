/*
 * almanac_interrupt: a SQLite loadable extension that gives a connection a real time limit.
 *
 * better-sqlite3 12 ships SQLite without the progress callback and exposes no interrupt API, so a
 * runaway query cannot be stopped from JavaScript. This extension starts one watchdog thread per
 * connection and registers `almanac_deadline(ms, key)`: ms > 0 arms the watchdog (it calls
 * sqlite3_interrupt() on the connection when ms have passed), ms <= 0 disarms it. The statement
 * then fails with SQLITE_INTERRUPT ("interrupted") and the thread that ran it is free again.
 *
 * The first call fixes the key; later calls must present it. Almanac makes that first call with a
 * random key right after loading, so SQL sent by a user cannot disarm its own time limit.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After the deadline, the interrupt is repeated this often until the statement is disarmed. */
#define REFIRE_NS 5000000L

typedef struct Watchdog {
  sqlite3 *db;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int armed;
  int stop;
  struct timespec deadline; /* CLOCK_MONOTONIC */
  /* What the watchdog is sleeping towards: forever (idle), or wait_until. Arming only wakes it when the
   * new deadline is sooner, so the usual query (same limit, later deadline) costs no thread wake-up. */
  int idle;
  struct timespec wait_until;
  char key[65];
  int has_key;
} Watchdog;

static int reached(const struct timespec *deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > deadline->tv_sec ||
         (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static int earlier(const struct timespec *a, const struct timespec *b) {
  return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *watch(void *arg) {
  Watchdog *w = (Watchdog *)arg;
  pthread_mutex_lock(&w->mu);
  while (!w->stop) {
    if (!w->armed) {
      w->idle = 1;
      pthread_cond_wait(&w->cv, &w->mu);
      w->idle = 0;
    } else if (reached(&w->deadline)) {
      /* Interrupt while holding the lock: a disarm that returned cannot be followed by a stale interrupt.
       * An interrupt that lands while no statement is running (during prepare, between two statements) is a
       * no-op in SQLite, so keep firing every few milliseconds until the caller disarms. */
      sqlite3_interrupt(w->db);
      clock_gettime(CLOCK_MONOTONIC, &w->deadline);
      w->deadline.tv_nsec += REFIRE_NS;
      if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec += 1;
        w->deadline.tv_nsec -= 1000000000L;
      }
    } else {
      /* Woken early (or at an old deadline after a re-arm): the loop re-checks the current deadline. */
      w->wait_until = w->deadline;
      pthread_cond_timedwait(&w->cv, &w->mu, &w->wait_until);
    }
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static void deadline_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Watchdog *w = (Watchdog *)sqlite3_user_data(ctx);
  sqlite3_int64 ms = sqlite3_value_int64(argv[0]);
  const char *key = (const char *)sqlite3_value_text(argv[1]);
  int n = sqlite3_value_bytes(argv[1]);
  if (!key || n < 16 || n > 64) {
    sqlite3_result_error(ctx, "almanac_deadline: not authorized", -1);
    return;
  }
  pthread_mutex_lock(&w->mu);
  if (!w->has_key) {
    memcpy(w->key, key, (size_t)n);
    w->key[n] = 0;
    w->has_key = 1;
  } else if ((int)strlen(w->key) != n || memcmp(w->key, key, (size_t)n) != 0) {
    pthread_mutex_unlock(&w->mu);
    sqlite3_result_error(ctx, "almanac_deadline: not authorized", -1);
    return;
  }
  if (ms > 0) {
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += (time_t)(ms / 1000);
    w->deadline.tv_nsec += (long)((ms % 1000) * 1000000L);
    if (w->deadline.tv_nsec >= 1000000000L) {
      w->deadline.tv_sec += 1;
      w->deadline.tv_nsec -= 1000000000L;
    }
    w->armed = 1;
    if (w->idle || earlier(&w->deadline, &w->wait_until)) pthread_cond_signal(&w->cv);
  } else {
    /* Disarming never wakes the watchdog: at its next wake-up it finds nothing armed and goes idle. */
    w->armed = 0;
  }
  pthread_mutex_unlock(&w->mu);
  sqlite3_result_int(ctx, 1);
}

/*
 * Lock-down for read connections: an authorizer that refuses ATTACH, DETACH and every PRAGMA that sets a
 * value or acts (only reads and the object-name introspection pragmas pass). query_only and the read-only
 * open stop writes to the database itself, but not `PRAGMA query_only = 0`, `ATTACH ':memory:'`, or `VACUUM INTO 'file'` (which creates its target file
 * through an internal ATTACH before query_only refuses the copy). Almanac's own setup (cache_size, crossdb
 * ATTACH, query_only) runs before `almanac_lockdown(key)` installs this; statements prepared afterwards —
 * everything a user sends — are checked by SQLite at prepare time.
 */
/* May take an argument, which is only ever an object name: never write. */
static const char *const OBJECT_PRAGMAS[] = {
  "table_info", "table_xinfo", "index_info", "index_list", "index_xinfo", "foreign_key_list", "table_list",
  NULL,
};
/*
 * Without an argument a PRAGMA only reads a value — FTS5 and R*Tree issue `PRAGMA data_version` and
 * `PRAGMA page_size` themselves — except these, which act.
 */
static const char *const ACTING_PRAGMAS[] = {"optimize", "wal_checkpoint", "incremental_vacuum", "shrink_memory", NULL};

static int in_list(const char *const *list, const char *name) {
  for (int i = 0; list[i]; i++) {
    if (sqlite3_stricmp(list[i], name) == 0) return 1;
  }
  return 0;
}

static int lockdown_auth(void *p, int action, const char *a, const char *b, const char *db, const char *trigger) {
  (void)p;
  (void)db;
  (void)trigger;
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return SQLITE_DENY;
    case SQLITE_PRAGMA:
      if (!a) return SQLITE_DENY;
      if (in_list(OBJECT_PRAGMAS, a)) return SQLITE_OK;
      if (!b && !in_list(ACTING_PRAGMAS, a)) return SQLITE_OK;
      return SQLITE_DENY; /* `PRAGMA x = value`: query_only, writable_schema, journal_mode, temp_store_directory… */
    default:
      return SQLITE_OK;
  }
}

static int check_key(Watchdog *w, sqlite3_value *arg) {
  const char *key = (const char *)sqlite3_value_text(arg);
  int n = sqlite3_value_bytes(arg);
  if (!key || n < 16 || n > 64) return 0;
  pthread_mutex_lock(&w->mu);
  int ok = w->has_key && (int)strlen(w->key) == n && memcmp(w->key, key, (size_t)n) == 0;
  pthread_mutex_unlock(&w->mu);
  return ok;
}

static void lockdown_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Watchdog *w = (Watchdog *)sqlite3_user_data(ctx);
  (void)argc;
  if (!check_key(w, argv[0])) {
    sqlite3_result_error(ctx, "almanac_lockdown: not authorized", -1);
    return;
  }
  sqlite3_set_authorizer(w->db, lockdown_auth, NULL);
  sqlite3_result_int(ctx, 1);
}

static void destroy(void *p) {
  Watchdog *w = (Watchdog *)p;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_almanacinterrupt_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  Watchdog *w = (Watchdog *)calloc(1, sizeof(Watchdog));
  if (!w) return SQLITE_NOMEM;
  w->db = db;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&w->cv, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&w->mu, NULL);
  if (pthread_create(&w->thread, NULL, watch, w) != 0) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    *err = sqlite3_mprintf("almanac_interrupt: could not start the watchdog thread");
    return SQLITE_ERROR;
  }
  int rc = sqlite3_create_function_v2(db, "almanac_deadline", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, w,
                                      deadline_fn, NULL, NULL, destroy);
  if (rc != SQLITE_OK) return rc;
  /* No destructor: the watchdog belongs to almanac_deadline and lives exactly as long as the connection. */
  return sqlite3_create_function_v2(db, "almanac_lockdown", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, w, lockdown_fn,
                                    NULL, NULL, NULL);
}

/*
 * Second entry point, for `--nolock`: makes the "unix-none" VFS (no file locking) the process-wide
 * default. better-sqlite3 is built without URI filenames, so `?nolock=1` cannot be passed per file.
 */
#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_almanacnolock_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)db;
  sqlite3_vfs *vfs = sqlite3_vfs_find("unix-none");
  if (!vfs) {
    *err = sqlite3_mprintf("almanac: the unix-none VFS is not available on this platform");
    return SQLITE_ERROR;
  }
  return sqlite3_vfs_register(vfs, 1);
}
