/* confide.pii._crf: the CRF tagger's hot path in C (optional; see setup.py).
 *
 * Encoder: each token's state scores, as confide.pii.ner.StateScoreEncoder computes them in
 * Python, with the same per-word rows, summed in the same order. A word seen before costs one
 * probe of its cache; a new word's row is built here from the tables the Python encoder prepares
 * (feature values by family, the word lists, the character n-gram model, the word clusters).
 * decode (in _crf_decode.c): the Viterbi path and its labels' marginals.
 * tag: encode and decode in one call. spans (in _crf_spans.c): the tagged spans, as
 * CrfRecognizer._merged_spans finds them. tokenize (in _crf_tokenize.c): ner.tokenize's tokens.
 *
 * No error message quotes a text; the word cache keeps the words of texts seen, in memory
 * only, as the Python encoder's does.
 */
#include "_crf.h"

#include <math.h>
#include <stdint.h>

#define N_FAMILIES 7 /* ner._VALUE_FAMILIES: w, shape, p2, p3, s2, s3, s4 */
#define FIRST_AFFIX 2 /* p2: the first of the families of prefixes and suffixes */
#define N_LEVELS 5   /* the character model's confidence bins */
#define MAX_LENGTH 8 /* ner._LEN */
#define N_FLAG_CODES (32 * (MAX_LENGTH + 1))
#define GRAM_BATCH 32 /* n-grams prefetched at once */

/* A word of the packed n-gram table: a slot is a key, then its classes' weights, within one
 * cache line for up to seven classes (see build_grams). */
typedef union {
    uint64_t key;
    double weight;
} GramWord;

/* A slot of the affix table: a packed prefix or suffix (0: an empty slot), its family and
 * its parts row. */
typedef struct {
    uint64_t key;
    int32_t family;
    int32_t row;
} AffixSlot;

/* A slot of the pair table: (side, first word's id, second word's id) + 1 (0: an empty
 * slot) and the pair's state row. */
typedef struct {
    uint64_t key;
    int64_t row;
} PairSlot;

/* What a slot of a table keyed by str starts with (key NULL: an empty slot); see str_slot. */
typedef struct {
    Py_hash_t hash;
    PyObject *key; /* a reference the table owns */
} StrKey;

/* A slot of the word table: what a lower-cased word is in the `w=` family, the lexicon and
 * the pairs, found with one probe. */
typedef struct {
    StrKey k;
    int32_t w_row; /* the family's parts row, or -1 */
    int32_t entry; /* the lexicon's entry, or -1 */
    int32_t pair;  /* the pair code, or 0 */
} WordSlot;

/* A slot of the cache of words seen: a word and its row. */
typedef struct {
    StrKey k;
    Py_ssize_t row;
} CacheSlot;

/* A word's pair code (id << 4 | these flags): where it stands in some pair of the model. */
#define FIRST_BEFORE 1 /* first of a pair that the token after the two sees */
#define SECOND_BEFORE 2
#define FIRST_AFTER 4 /* first of a pair that the token before the two sees */
#define SECOND_AFTER 8

typedef struct {
    PyObject_HEAD
    int k;      /* labels */
    int width;  /* 3 * k: a word's own weights, then what the next and the previous token see */
    int stride; /* width + 1: a cached word's row, then its pair code (an int64_t) */
    double *parts;
    Py_ssize_t n_parts;
    PyObject *families; /* tuple of N_FAMILIES dicts: value -> parts row */
    /* The affix families' rows by packed value (see pack): no string is built to look up a
     * prefix or suffix that packs. */
    AffixSlot *affixes;
    uint64_t affix_mask;
    int flag_rows[N_FLAG_CODES];
    /* The word lists: a word's lexicon entry (read into the word table, below) is the lists
     * holding it as a bit mask (the gazetteer's order) | (its finest cluster + 1) << 16. */
    int n_gaz;
    int *gaz_rows; /* by bit mask of the lists holding the word; [0] unused */
    PyObject *char_weights; /* dict n-gram -> tuple of floats, or NULL */
    /* The same weights by packed n-gram (see pack), for n-grams of at most 4 characters below
     * U+FFFF: no string is built to look one up. */
    GramWord *grams; /* slots of gram_stride words: the key (0: an empty slot), the weights */
    void *grams_block; /* what was allocated: grams is its first cache-line boundary */
    int gram_stride;
    uint64_t gram_mask;
    int n_classes;
    double *char_bias;
    int ngram_low, ngram_high;
    int *char_rows; /* [class * N_LEVELS + level] */
    int *cluster_rows; /* by finest cluster, or NULL */
    Py_ssize_t n_clusters;
    PyObject *shape; /* the Python shape function, for words that are not ASCII */
    double *state;   /* rows of k: every attribute's state weights */
    Py_ssize_t n_state;
    double *first, *last, *flat;
    Py_ssize_t line_start, line_end; /* state rows, or -1 */
    /* The two-word features (before: the two words before a token; after: the two after)
     * by the words' ids: a word's pair code rides in its cached row, and only a pair whose
     * words both have the flags of its side is looked up, in one compact table, instead of
     * looking every two tokens up in a dict of dicts. */
    PairSlot *pairs;
    uint64_t pair_mask;
    /* A new word's `w=` row, lexicon entry and pair code, from one table built from the
     * three dicts: a new word costs one probe there instead of three dict lookups. */
    WordSlot *word_slots;
    uint64_t word_mask;
    PyObject *cues;                  /* dict last word -> tuple of (entity, state row, words before) */
    /* The cache of words seen: word -> row of `words` (an open-addressing table at most half
     * full: a word seen costs one probe, not a dict's index, entry and int), and each row's
     * lower-cased word. */
    CacheSlot *cache;
    uint64_t cache_mask;
    PyObject *lowers;
    double *words;
    Py_ssize_t n_words, cap_words, cache_size;
} Encoder;

static PyObject *str_lower;

/* ---- reading the tables ---------------------------------------------------------------- */

static double *copy_matrix(PyObject *obj, Py_ssize_t cols, Py_ssize_t *rows, const char *what) {
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    double *out = NULL;
    int ok = is_float64(&view);
    Py_ssize_t n = 0;
    if (ok && view.ndim == 2 && view.shape[1] == cols) {
        n = view.shape[0];
    } else if (ok && view.ndim == 1 && rows == NULL && view.shape[0] == cols) {
        n = 1;
    } else {
        ok = 0;
    }
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float64 array with %zd columns", what, cols);
    } else {
        out = PyMem_Malloc(sizeof(double) * (size_t)(n * cols + 1));
        if (out == NULL) {
            PyErr_NoMemory();
        } else {
            memcpy(out, view.buf, sizeof(double) * (size_t)(n * cols));
            if (rows) *rows = n;
        }
    }
    PyBuffer_Release(&view);
    return out;
}

static int *int_list(PyObject *seq, Py_ssize_t expected, Py_ssize_t limit, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (expected >= 0 && n != expected) {
        PyErr_Format(PyExc_ValueError, "%s must hold %zd rows", what, expected);
        Py_DECREF(fast);
        return NULL;
    }
    int *out = PyMem_Malloc(sizeof(int) * (size_t)(n + 1));
    if (out == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if ((v == -1 && PyErr_Occurred()) || v < -1 || v >= limit) {
            if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "%s holds a row out of range", what);
            PyMem_Free(out);
            Py_DECREF(fast);
            return NULL;
        }
        out[i] = (int)v;
    }
    Py_DECREF(fast);
    return out;
}

/* The slot of `word` (a str hashing to `hash`) in an open-addressing table of `mask + 1`
 * slots of `size` bytes, each starting with a StrKey: its own, or the empty one where it
 * would go. NULL with an error set if a comparison fails. */
static StrKey *str_slot(void *table, size_t size, uint64_t mask, PyObject *word, Py_hash_t hash) {
    uint64_t at = (uint64_t)hash & mask;
    for (;;) {
        StrKey *slot = (StrKey *)((char *)table + at * size);
        if (slot->key == NULL || slot->key == word) return slot;
        if (slot->hash == hash) {
            int same = PyUnicode_Compare(slot->key, word);
            if (same == -1 && PyErr_Occurred()) return NULL;
            if (same == 0) return slot;
        }
        at = (at + 1) & mask;
    }
}

/* Empties every slot of such a table, releasing its keys. */
static void clear_keys(void *table, size_t size, uint64_t mask) {
    for (uint64_t i = 0; i <= mask; i++) Py_CLEAR(((StrKey *)((char *)table + i * size))->key);
}

static void encoder_dealloc(Encoder *self) {
    Py_XDECREF(self->families);
    Py_XDECREF(self->char_weights);
    Py_XDECREF(self->shape);
    PyMem_Free(self->pairs);
    if (self->word_slots != NULL) {
        clear_keys(self->word_slots, sizeof(WordSlot), self->word_mask);
        PyMem_Free(self->word_slots);
    }
    Py_XDECREF(self->cues);
    PyMem_Free(self->grams_block);
    PyMem_Free(self->affixes);
    if (self->cache != NULL) {
        clear_keys(self->cache, sizeof(CacheSlot), self->cache_mask);
        PyMem_Free(self->cache);
    }
    Py_XDECREF(self->lowers);
    PyMem_Free(self->parts);
    PyMem_Free(self->gaz_rows);
    PyMem_Free(self->char_bias);
    PyMem_Free(self->char_rows);
    PyMem_Free(self->cluster_rows);
    PyMem_Free(self->state);
    PyMem_Free(self->first);
    PyMem_Free(self->last);
    PyMem_Free(self->flat);
    PyMem_Free(self->words);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* An n-gram of at most 4 characters below U+FFFF as one number: each character plus one in
 * 16 bits, so that grams of different lengths differ too. 0 when it cannot be packed. */
/* Ask the memory for a row of `width` doubles before it is read. */
static inline void prefetch_row(const double *row, int width) {
    for (int j = 0; j < width; j += 8) __builtin_prefetch(row + j);
    __builtin_prefetch(row + width - 1);
}

static uint64_t pack(int kind, const void *data, Py_ssize_t start, int n) {
    uint64_t key = 0;
    for (int j = 0; j < n; j++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, start + j);
        if (ch >= 0xFFFF) return 0;
        key |= (uint64_t)(ch + 1) << (16 * j);
    }
    return key;
}

/* pack() of " " + the string (kind, data) + " ", `size` characters long with the blanks. */
static uint64_t pack_padded(int kind, const void *data, Py_ssize_t size, Py_ssize_t start, int n) {
    uint64_t key = 0;
    for (int j = 0; j < n; j++) {
        Py_ssize_t at = start + j;
        Py_UCS4 ch = at == 0 || at == size - 1 ? ' ' : PyUnicode_READ(kind, data, at - 1);
        if (ch >= 0xFFFF) return 0;
        key |= (uint64_t)(ch + 1) << (16 * j);
    }
    return key;
}

static inline uint64_t slot_of(uint64_t key, uint64_t mask) {
    return (key * 0x9E3779B97F4A7C15ull >> 17) & mask;
}

/* The packed table of the character model's weights (the dict stays for other n-grams): an
 * open-addressing table whose slot holds the key and the weights together, a power of two
 * of 8-byte words long and aligned to a cache line, so that a lookup reads one line for up
 * to seven classes (it read three from separate key, index and weight arrays, and the
 * tables are too large to stay in cache between two texts). */
static int build_grams(Encoder *self) {
    Py_ssize_t n = PyDict_GET_SIZE(self->char_weights);
    uint64_t cap = 16;
    while (cap < (uint64_t)n * 2) cap <<= 1;
    int stride = 1;
    while (stride < 1 + self->n_classes) stride <<= 1;
    self->gram_stride = stride;
    self->grams_block = PyMem_Calloc((size_t)(cap * (uint64_t)stride) + 8, sizeof(GramWord));
    if (!self->grams_block) {
        PyErr_NoMemory();
        return -1;
    }
    self->grams = (GramWord *)(((uintptr_t)self->grams_block + 63) & ~(uintptr_t)63);
    self->gram_mask = cap - 1;
    Py_ssize_t pos = 0;
    PyObject *gram, *w;
    while (PyDict_Next(self->char_weights, &pos, &gram, &w)) {
        if (!PyUnicode_Check(gram) || !PyTuple_Check(w) || PyTuple_GET_SIZE(w) != self->n_classes) {
            PyErr_SetString(PyExc_ValueError, "character model weights must be tuples by str");
            return -1;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(gram);
        if (len < 1 || len > 4) continue;
        uint64_t key = pack(PyUnicode_KIND(gram), PyUnicode_DATA(gram), 0, (int)len);
        if (key == 0) continue;
        uint64_t slot = slot_of(key, self->gram_mask);
        while (self->grams[slot * stride].key) slot = (slot + 1) & self->gram_mask;
        GramWord *at = self->grams + slot * stride;
        for (int c = 0; c < self->n_classes; c++) {
            PyObject *v = PyTuple_GET_ITEM(w, c);
            if (!PyFloat_Check(v)) {
                PyErr_SetString(PyExc_ValueError, "character model weights must be floats");
                return -1;
            }
            at[1 + c].weight = PyFloat_AS_DOUBLE(v);
        }
        at->key = key;
    }
    return 0;
}

/* The packed table of the affix families (FIRST_AFFIX on), from their dicts: each value
 * that packs, with its family. The dicts stay for values that do not (an astral
 * character). */
static int build_affixes(Encoder *self) {
    Py_ssize_t n = 0;
    for (int f = FIRST_AFFIX; f < N_FAMILIES; f++) n += PyDict_GET_SIZE(PyTuple_GET_ITEM(self->families, f));
    uint64_t cap = 16;
    while (cap < (uint64_t)n * 2) cap <<= 1;
    self->affixes = PyMem_Calloc((size_t)cap, sizeof(AffixSlot));
    if (self->affixes == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->affix_mask = cap - 1;
    for (int f = FIRST_AFFIX; f < N_FAMILIES; f++) {
        Py_ssize_t pos = 0;
        PyObject *value, *row;
        while (PyDict_Next(PyTuple_GET_ITEM(self->families, f), &pos, &value, &row)) {
            if (!PyUnicode_Check(value)) continue; /* never looked up: values are str */
            Py_ssize_t len = PyUnicode_GET_LENGTH(value);
            if (len < 1 || len > 4) continue;
            uint64_t key = pack(PyUnicode_KIND(value), PyUnicode_DATA(value), 0, (int)len);
            if (key == 0) continue;
            long r = PyLong_Check(row) ? PyLong_AsLong(row) : -1;
            if (r < 0 || r >= self->n_parts) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError, "a family's row is out of range");
                return -1;
            }
            uint64_t slot = slot_of(key + (uint64_t)f, self->affix_mask);
            while (self->affixes[slot].key) slot = (slot + 1) & self->affix_mask;
            self->affixes[slot].key = key;
            self->affixes[slot].family = f;
            self->affixes[slot].row = (int32_t)r;
        }
    }
    return 0;
}

/* The parts row of a packed affix of family `f`, or -1 when it has none. */
static long affix_row(const Encoder *self, int f, uint64_t key) {
    uint64_t slot = slot_of(key + (uint64_t)f, self->affix_mask);
    for (;;) {
        const AffixSlot *at = self->affixes + slot;
        if (at->key == 0) return -1;
        if (at->key == key && at->family == f) return at->row;
        slot = (slot + 1) & self->affix_mask;
    }
}

/* Look `value` up in `dict` (value -> int): the int, -1 when absent, -2 on error. */
static long lookup(PyObject *dict, PyObject *value) {
    PyObject *hit = PyDict_GetItemWithError(dict, value);
    if (hit == NULL) return PyErr_Occurred() ? -2 : -1;
    long v = PyLong_AsLong(hit);
    return (v == -1 && PyErr_Occurred()) ? -2 : v;
}

static inline uint64_t pair_key(int side, int64_t a, int64_t b) {
    return ((uint64_t)side << 62 | (uint64_t)a << 31 | (uint64_t)b) + 1;
}

/* The state row of pair (a, b) (by word id) on `side` (0 before, 1 after), or -1. */
static int64_t pair_row(const Encoder *self, int side, int64_t a, int64_t b) {
    uint64_t key = pair_key(side, a, b);
    uint64_t slot = slot_of(key, self->pair_mask);
    for (;;) {
        const PairSlot *at = self->pairs + slot;
        if (at->key == key) return at->row;
        if (at->key == 0) return -1;
        slot = (slot + 1) & self->pair_mask;
    }
}

/* A word of a pair: its id in `words` (dict word -> pair code), given one if new, and
 * `flag` added to its code; -1 on error. */
static int pair_word(PyObject *words, PyObject *word, long flag, int64_t *id) {
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "pair words must be str");
        return -1;
    }
    long code = lookup(words, word);
    if (code == -2) return -1;
    if (code == -1) code = (long)PyDict_GET_SIZE(words) << 4;
    PyObject *value = PyLong_FromLong(code | flag);
    if (value == NULL || PyDict_SetItem(words, word, value) < 0) {
        Py_XDECREF(value);
        return -1;
    }
    Py_DECREF(value);
    *id = code >> 4;
    return 0;
}

/* The pair table, from `before` and `after` (dict word -> dict word -> row), and into
 * `pair_words` (a new dict) each of their words' pair code. */
static int build_pairs(Encoder *self, PyObject *before, PyObject *after, PyObject *pair_words) {
    PyObject *sides[2] = {before, after};
    Py_ssize_t n = 0;
    for (int side = 0; side < 2; side++) {
        Py_ssize_t pos = 0;
        PyObject *a, *inner;
        while (PyDict_Next(sides[side], &pos, &a, &inner)) {
            if (!PyDict_Check(inner)) {
                PyErr_SetString(PyExc_TypeError, "pairs must be dicts of dicts");
                return -1;
            }
            n += PyDict_GET_SIZE(inner);
        }
    }
    uint64_t cap = 16;
    while (cap < (uint64_t)n * 2) cap <<= 1;
    if ((self->pairs = PyMem_Calloc((size_t)cap, sizeof(PairSlot))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->pair_mask = cap - 1;
    for (int side = 0; side < 2; side++) {
        Py_ssize_t pos = 0;
        PyObject *a, *inner;
        while (PyDict_Next(sides[side], &pos, &a, &inner)) {
            Py_ssize_t inner_pos = 0;
            PyObject *b, *row;
            while (PyDict_Next(inner, &inner_pos, &b, &row)) {
                int64_t id_a, id_b;
                if (pair_word(pair_words, a, side ? FIRST_AFTER : FIRST_BEFORE, &id_a) < 0 ||
                    pair_word(pair_words, b, side ? SECOND_AFTER : SECOND_BEFORE, &id_b) < 0)
                    return -1;
                long r = PyLong_Check(row) ? PyLong_AsLong(row) : -1;
                if (r < 0 || r >= self->n_state) {
                    PyErr_Clear();
                    PyErr_SetString(PyExc_ValueError, "a pair's row is out of range");
                    return -1;
                }
                uint64_t key = pair_key(side, id_a, id_b);
                uint64_t slot = slot_of(key, self->pair_mask);
                while (self->pairs[slot].key != 0 && self->pairs[slot].key != key)
                    slot = (slot + 1) & self->pair_mask;
                self->pairs[slot].key = key;
                self->pairs[slot].row = r;
            }
        }
    }
    return 0;
}

static WordSlot *word_slot(const Encoder *self, PyObject *word, Py_hash_t hash) {
    return (WordSlot *)str_slot(self->word_slots, sizeof(WordSlot), self->word_mask, word, hash);
}

/* One dict's words into the word table: `what` 0 the w= family, 1 the lexicon, 2 pairs. */
static int add_words(Encoder *self, PyObject *dict, int what) {
    Py_ssize_t pos = 0;
    PyObject *word, *value;
    while (PyDict_Next(dict, &pos, &word, &value)) {
        if (!PyUnicode_Check(word)) continue; /* never looked up: words are str */
        long v = PyLong_Check(value) ? PyLong_AsLong(value) : -1;
        if (v == -1 && PyErr_Occurred()) PyErr_Clear();
        int bad = what == 0   ? v < 0 || v >= self->n_parts
                  : what == 1 ? v < 0 || v > INT32_MAX || (v & 0xFFFF) >> self->n_gaz
                              : v < 0 || v > INT32_MAX;
        if (bad) {
            PyErr_SetString(PyExc_ValueError, what == 0   ? "a family's row is out of range"
                                              : what == 1 ? "a word's lists are out of range"
                                                          : "a pair code is out of range");
            return -1;
        }
        Py_hash_t hash = PyObject_Hash(word);
        if (hash == -1) return -1;
        WordSlot *slot = word_slot(self, word, hash);
        if (slot == NULL) return -1;
        if (slot->k.key == NULL) {
            Py_INCREF(word);
            *slot = (WordSlot){{hash, word}, -1, -1, 0};
        }
        if (what == 0) slot->w_row = (int32_t)v;
        else if (what == 1) slot->entry = (int32_t)v;
        else slot->pair = (int32_t)v;
    }
    return 0;
}

/* The word table, from the w= family, the lexicon and the pairs' words (read only here). */
static int build_words(Encoder *self, PyObject *lexicon, PyObject *pair_words) {
    PyObject *dicts[3] = {PyTuple_GET_ITEM(self->families, 0), lexicon, pair_words};
    uint64_t n = 0, cap = 16;
    for (int d = 0; d < 3; d++) n += (uint64_t)PyDict_GET_SIZE(dicts[d]);
    while (cap < n * 2) cap <<= 1;
    if ((self->word_slots = PyMem_Calloc((size_t)cap, sizeof(WordSlot))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->word_mask = cap - 1;
    for (int d = 0; d < 3; d++)
        if (add_words(self, dicts[d], d) < 0) return -1;
    return 0;
}

/* Encoder(k, parts, families, flag_rows, lexicon, gaz_rows, char_weights, char_bias,
 *         ngram_range, char_rows, cluster_rows, shape, state, first, last,
 *         flat, line_start, line_end, before, after, cues, cache_size) */
static int encoder_init(Encoder *self, PyObject *args, PyObject *kwds) {
    int k;
    PyObject *parts, *families, *flag_rows, *lexicon, *gaz_rows, *char_weights, *char_bias;
    int ngram_low, ngram_high;
    PyObject *char_rows, *cluster_rows, *shape, *state, *first, *last, *flat;
    Py_ssize_t line_start, line_end, cache_size;
    PyObject *before, *after, *cues;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Encoder takes positional arguments only");
        return -1;
    }
    if (self->parts != NULL) {
        PyErr_SetString(PyExc_TypeError, "Encoder is already initialised");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "iOO!OO!OOO(ii)OOOOOOOnnO!O!O!n:Encoder", &k, &parts, &PyTuple_Type, &families,
                          &flag_rows, &PyDict_Type, &lexicon, &gaz_rows, &char_weights, &char_bias,
                          &ngram_low, &ngram_high, &char_rows, &cluster_rows, &shape, &state,
                          &first, &last, &flat, &line_start, &line_end, &PyDict_Type, &before, &PyDict_Type,
                          &after, &PyDict_Type, &cues, &cache_size))
        return -1;
    if (k < 1 || PyTuple_GET_SIZE(families) != N_FAMILIES ||
        !PyCallable_Check(shape) || cache_size < 1) {
        PyErr_SetString(PyExc_ValueError, "Encoder: bad tables");
        return -1;
    }
    self->k = k;
    self->width = 3 * k;
    self->stride = self->width + 1;
    if ((self->parts = copy_matrix(parts, self->width, &self->n_parts, "parts")) == NULL) return -1;
    for (int f = 0; f < N_FAMILIES; f++) {
        if (!PyDict_Check(PyTuple_GET_ITEM(families, f))) {
            PyErr_SetString(PyExc_TypeError, "families must be dicts");
            return -1;
        }
    }
    Py_INCREF(families);
    self->families = families;
    if (build_affixes(self) < 0) return -1;
    int *flags = int_list(flag_rows, N_FLAG_CODES, self->n_parts, "flag_rows");
    if (flags == NULL) return -1;
    memcpy(self->flag_rows, flags, sizeof self->flag_rows);
    PyMem_Free(flags);
    Py_ssize_t n_masks = PySequence_Size(gaz_rows);
    if (n_masks < 0) return -1;
    while (self->n_gaz < 16 && ((Py_ssize_t)1 << self->n_gaz) < n_masks) self->n_gaz++;
    if (((Py_ssize_t)1 << self->n_gaz) != n_masks) {
        PyErr_SetString(PyExc_ValueError, "gaz_rows: one row per mask of at most 16 word lists");
        return -1;
    }
    if ((self->gaz_rows = int_list(gaz_rows, n_masks, self->n_parts, "gaz_rows")) == NULL) return -1;
    if (char_weights != Py_None) {
        if (!PyDict_Check(char_weights) || ngram_low < 1 || ngram_high < ngram_low) {
            PyErr_SetString(PyExc_ValueError, "Encoder: bad character model");
            return -1;
        }
        PyObject *bias = PySequence_Fast(char_bias, "char_bias");
        if (bias == NULL) return -1;
        self->n_classes = (int)PySequence_Fast_GET_SIZE(bias);
        self->char_bias = PyMem_Malloc(sizeof(double) * (size_t)(self->n_classes + 1));
        if (self->char_bias == NULL) {
            Py_DECREF(bias);
            PyErr_NoMemory();
            return -1;
        }
        for (int c = 0; c < self->n_classes; c++) {
            self->char_bias[c] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(bias, c));
        }
        Py_DECREF(bias);
        if (PyErr_Occurred()) return -1;
        if (self->n_classes < 1) {
            PyErr_SetString(PyExc_ValueError, "Encoder: the character model has no classes");
            return -1;
        }
        self->char_rows = int_list(char_rows, (Py_ssize_t)self->n_classes * N_LEVELS, self->n_parts, "char_rows");
        if (self->char_rows == NULL) return -1;
        Py_INCREF(char_weights);
        self->char_weights = char_weights;
        self->ngram_low = ngram_low;
        self->ngram_high = ngram_high;
        if (ngram_high <= 4 && build_grams(self) < 0) return -1;
    }
    if (cluster_rows != Py_None) {
        if ((self->cluster_rows = int_list(cluster_rows, -1, self->n_parts, "cluster_rows")) == NULL) return -1;
        self->n_clusters = PySequence_Size(cluster_rows);
    }
    Py_INCREF(shape);
    self->shape = shape;
    if ((self->state = copy_matrix(state, k, &self->n_state, "state")) == NULL) return -1;
    if ((self->first = copy_matrix(first, k, NULL, "first")) == NULL) return -1;
    if ((self->last = copy_matrix(last, k, NULL, "last")) == NULL) return -1;
    if ((self->flat = copy_matrix(flat, k, NULL, "flat")) == NULL) return -1;
    if (line_start < -1 || line_start >= self->n_state || line_end < -1 || line_end >= self->n_state) {
        PyErr_SetString(PyExc_ValueError, "Encoder: line rows out of range");
        return -1;
    }
    self->line_start = line_start;
    self->line_end = line_end;
    PyObject *pair_words = PyDict_New();
    int built = pair_words != NULL && build_pairs(self, before, after, pair_words) == 0 &&
                build_words(self, lexicon, pair_words) == 0;
    Py_XDECREF(pair_words);
    if (!built) return -1;
    Py_INCREF(cues);
    self->cues = cues;
    self->cache_size = cache_size;
    if ((self->cache = PyMem_Calloc(2048, sizeof(CacheSlot))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->cache_mask = 2047;
    if ((self->lowers = PyList_New(0)) == NULL) return -1;
    self->cap_words = 1024;
    self->words = PyMem_Malloc(sizeof(double) * (size_t)(self->cap_words * self->stride));
    if (self->words == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* ---- a new word's row ----------------------------------------------------------------- */

/* str.isupper() / str.islower() of `s` from `start`, as CPython computes them. */
static int cased_as(PyObject *s, Py_ssize_t start, int upper) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int cased = 0;
    for (Py_ssize_t i = start; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISTITLE(ch) || (upper ? Py_UNICODE_ISLOWER(ch) : Py_UNICODE_ISUPPER(ch))) return 0;
        if (!cased && (upper ? Py_UNICODE_ISUPPER(ch) : Py_UNICODE_ISLOWER(ch))) cased = 1;
    }
    return cased;
}

/* ner._shape for an ASCII word: letters to X/x, digits to d, "_" to u, runs of three or more
 * of one character cut to two. */
static PyObject *ascii_shape(PyObject *word) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    const Py_UCS1 *data = PyUnicode_1BYTE_DATA(word);
    char small[64];
    char *out = n <= (Py_ssize_t)sizeof small ? small : PyMem_Malloc((size_t)n);
    if (out == NULL) return PyErr_NoMemory();
    Py_ssize_t m = 0, run = 0;
    char previous = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 ch = data[i];
        char c = (ch >= 'A' && ch <= 'Z')   ? 'X'
                 : (ch >= 'a' && ch <= 'z') ? 'x'
                 : (ch >= '0' && ch <= '9') ? 'd'
                 : ch == '_'                ? 'u'
                                            : (char)ch;
        run = (i > 0 && c == previous) ? run + 1 : 1;
        previous = c;
        if (run <= 2) out[m++] = c;
    }
    PyObject *shape = PyUnicode_FromStringAndSize(out, m);
    if (out != small) PyMem_Free(out);
    return shape;
}

/* `low[start:end]` with Python's clamping. */
static PyObject *slice(PyObject *low, Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(low);
    if (start < 0) start = 0;
    if (end > n) end = n;
    if (start >= end) return PyUnicode_FromStringAndSize("", 0);
    return PyUnicode_Substring(low, start, end);
}

/* The character model's class probabilities of the lower-cased word `low` into `scores`
 * (n_classes of them), as ner.CharNgramModel.probabilities computes them: the n-grams of
 * " low " added in order, shortest first, then the softmax. 0, or -1 on error. */
static int char_scores(Encoder *self, PyObject *low, double *scores) {
    /* The n-grams of " " + low + " ", read from `low` (the padded string is built only for an
     * n-gram that does not pack). */
    PyObject *padded = NULL;
    int c_n = self->n_classes;
    for (int c = 0; c < c_n; c++) scores[c] = self->char_bias[c];
    Py_ssize_t size = PyUnicode_GET_LENGTH(low) + 2;
    int l_kind = PyUnicode_KIND(low);
    const void *l_data = PyUnicode_DATA(low);
    /* The n-grams in batches: each batch's slots are asked of memory at once (prefetched),
     * then read in order (by size, then start), so that their cache misses overlap. */
    uint64_t keys[GRAM_BATCH], slots[GRAM_BATCH];
    Py_ssize_t starts[GRAM_BATCH];
    int sizes[GRAM_BATCH];
    int g = self->ngram_low;
    Py_ssize_t i = 0;
    while (g <= self->ngram_high) {
        int b = 0;
        while (b < GRAM_BATCH && g <= self->ngram_high) {
            if (i + g > size) {
                g++;
                i = 0;
                continue;
            }
            uint64_t key = self->grams ? pack_padded(l_kind, l_data, size, i, g) : 0;
            keys[b] = key;
            starts[b] = i;
            sizes[b] = g;
            if (key) {
                slots[b] = slot_of(key, self->gram_mask);
                __builtin_prefetch(self->grams + slots[b] * self->gram_stride);
            }
            b++;
            i++;
        }
        for (int j = 0; j < b; j++) {
            uint64_t key = keys[j];
            if (key) {
                uint64_t slot = slots[j];
                const GramWord *at = self->grams + slot * self->gram_stride;
                while (at->key && at->key != key) {
                    slot = (slot + 1) & self->gram_mask;
                    at = self->grams + slot * self->gram_stride;
                }
                if (at->key)
                    for (int c = 0; c < c_n; c++) scores[c] += at[1 + c].weight;
                continue;
            }
            if (padded == NULL && (padded = PyUnicode_FromFormat(" %U ", low)) == NULL) goto done;
            PyObject *gram = PyUnicode_Substring(padded, starts[j], starts[j] + sizes[j]);
            if (gram == NULL) goto done;
            PyObject *w = PyDict_GetItemWithError(self->char_weights, gram);
            Py_DECREF(gram);
            if (w == NULL) {
                if (PyErr_Occurred()) goto done;
                continue;
            }
            if (!PyTuple_Check(w) || PyTuple_GET_SIZE(w) != c_n) {
                PyErr_SetString(PyExc_ValueError, "character model weights must be tuples");
                goto done;
            }
            for (int c = 0; c < c_n; c++) scores[c] += PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(w, c));
        }
    }
    double top = scores[0];
    for (int c = 1; c < c_n; c++)
        if (scores[c] > top) top = scores[c];
    double total = 0.0;
    for (int c = 0; c < c_n; c++) {
        scores[c] = exp(scores[c] - top);
        total += scores[c];
    }
    for (int c = 0; c < c_n; c++) scores[c] = scores[c] / total;
done:
    Py_XDECREF(padded);
    return PyErr_Occurred() ? -1 : 0;
}

/* The character model's parts row for a word (ner.CharNgramModel.features), -1 for none,
 * -2 on error. */
static int char_row(Encoder *self, PyObject *word, PyObject *low) {
    Py_ssize_t n_word = PyUnicode_GET_LENGTH(word);
    if (n_word < 2) return -1;
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    int alpha = 0;
    for (Py_ssize_t i = 0; i < n_word && !alpha; i++) alpha = Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, i));
    if (!alpha) return -1;
    int c_n = self->n_classes;
    double scores_small[8];
    double *scores = c_n <= 8 ? scores_small : PyMem_Malloc(sizeof(double) * (size_t)c_n);
    if (scores == NULL) {
        PyErr_NoMemory();
        return -2;
    }
    int result = -2;
    if (char_scores(self, low, scores) == 0) {
        int best = 0;
        for (int c = 1; c < c_n; c++)
            if (scores[c] > scores[best]) best = c;
        int level = (int)(scores[best] * 4);
        if (level > N_LEVELS - 1) level = N_LEVELS - 1;
        result = self->char_rows[best * N_LEVELS + level];
    }
    if (scores != scores_small) PyMem_Free(scores);
    return result;
}

/* Encoder.char_probabilities(word): ner.CharNgramModel.probabilities(word), to the bit. */
static PyObject *encoder_char_probabilities(Encoder *self, PyObject *word) {
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "word must be a str");
        return NULL;
    }
    if (self->char_weights == NULL) {
        PyErr_SetString(PyExc_ValueError, "the encoder has no character model");
        return NULL;
    }
    PyObject *low = PyObject_CallMethodNoArgs(word, str_lower);
    if (low == NULL) return NULL;
    if (!PyUnicode_Check(low)) {
        Py_DECREF(low);
        PyErr_SetString(PyExc_TypeError, "lower() must return a str");
        return NULL;
    }
    int c_n = self->n_classes;
    double scores_small[8];
    double *scores = c_n <= 8 ? scores_small : PyMem_Malloc(sizeof(double) * (size_t)c_n);
    PyObject *out = NULL;
    if (scores == NULL) {
        PyErr_NoMemory();
    } else if (char_scores(self, low, scores) == 0 && (out = PyList_New(c_n)) != NULL) {
        for (int c = 0; c < c_n; c++) {
            PyObject *p = PyFloat_FromDouble(scores[c]);
            if (p == NULL) {
                Py_CLEAR(out);
                break;
            }
            PyList_SET_ITEM(out, c, p);
        }
    }
    if (scores != NULL && scores != scores_small) PyMem_Free(scores);
    Py_DECREF(low);
    return out;
}

/* A new word's row (StateScoreEncoder._word_parts, summed): its index, or -1 on error. */
static Py_ssize_t new_row(Encoder *self, PyObject *word) {
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "tokens must hold str words");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    int upper_first = n > 0 && Py_UNICODE_ISUPPER(PyUnicode_READ(kind, data, 0));
    int title_word = upper_first && cased_as(word, 1, 0);
    int upper = cased_as(word, 0, 1);
    int digit = n > 0, has_digit = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int d = Py_UNICODE_ISDIGIT(PyUnicode_READ(kind, data, i));
        digit &= d;
        has_digit |= d;
    }
    int length = n < MAX_LENGTH ? (int)n : MAX_LENGTH;
    int code = ((((upper_first * 2 + title_word) * 2 + upper) * 2 + digit) * 2 + has_digit) * (MAX_LENGTH + 1) + length;
    int parts[N_FAMILIES + 4];
    int m = 0;
    parts[m++] = self->flag_rows[code];

    PyObject *low = PyObject_CallMethodNoArgs(word, str_lower);
    if (low == NULL) return -1;
    if (!PyUnicode_Check(low)) {
        Py_DECREF(low);
        PyErr_SetString(PyExc_TypeError, "lower() must return a str");
        return -1;
    }
    Py_ssize_t n_low = PyUnicode_GET_LENGTH(low);
    PyObject *values[N_FAMILIES] = {NULL};
    Py_INCREF(low);
    values[0] = low;
    values[1] = PyUnicode_IS_ASCII(word) ? ascii_shape(word) : PyObject_CallOneArg(self->shape, word);
    /* The affixes (low[:2], low[:3], low[-2:], low[-3:], low[-4:]) read packed where they
     * pack; else as strings, from the dicts. */
    static const int affix_from_end[N_FAMILIES - FIRST_AFFIX] = {0, 0, 1, 1, 1};
    static const int affix_length[N_FAMILIES - FIRST_AFFIX] = {2, 3, 2, 3, 4};
    long affix_rows[N_FAMILIES];
    int low_kind = PyUnicode_KIND(low);
    const void *low_data = PyUnicode_DATA(low);
    uint64_t affix_keys[N_FAMILIES];
    for (int f = FIRST_AFFIX; f < N_FAMILIES; f++) { /* the slots asked for at once, then read */
        Py_ssize_t len = affix_length[f - FIRST_AFFIX] < n_low ? affix_length[f - FIRST_AFFIX] : n_low;
        Py_ssize_t start = affix_from_end[f - FIRST_AFFIX] ? n_low - len : 0;
        uint64_t key = affix_keys[f] = len > 0 ? pack(low_kind, low_data, start, (int)len) : 0;
        if (key) __builtin_prefetch(self->affixes + slot_of(key + (uint64_t)f, self->affix_mask));
        else values[f] = slice(low, start, start + len);
    }
    for (int f = FIRST_AFFIX; f < N_FAMILIES; f++)
        affix_rows[f] = affix_keys[f] ? affix_row(self, f, affix_keys[f]) : -2;
    Py_ssize_t row = -1;
    Py_hash_t hash = PyObject_Hash(low);
    const WordSlot *known = hash == -1 ? NULL : word_slot(self, low, hash);
    if (known == NULL) goto done;
    static const WordSlot unknown = {{0, NULL}, -1, -1, 0};
    if (known->k.key == NULL) known = &unknown; /* an empty slot: in none of the three */
    for (int f = 0; f < N_FAMILIES; f++) {
        if (f == 0) {
            if (known->w_row >= 0) parts[m++] = known->w_row;
            continue;
        }
        if (f >= FIRST_AFFIX && affix_rows[f] != -2) {
            if (affix_rows[f] >= 0) parts[m++] = (int)affix_rows[f];
            continue;
        }
        if (values[f] == NULL) goto done;
        if (f == 1 && !PyUnicode_Check(values[1])) {
            PyErr_SetString(PyExc_TypeError, "shape must return a str");
            goto done;
        }
        long r = lookup(PyTuple_GET_ITEM(self->families, f), values[f]);
        if (r == -2) goto done;
        if (r >= 0) {
            if (r >= self->n_parts) {
                PyErr_SetString(PyExc_ValueError, "a family's row is out of range");
                goto done;
            }
            parts[m++] = (int)r;
        }
    }
    long entry = known->entry;
    int mask = entry > 0 ? (int)(entry & 0xFFFF) : 0;
    if (mask) parts[m++] = self->gaz_rows[mask];
    if (self->char_weights) {
        int r = char_row(self, word, low);
        if (r == -2) goto done;
        if (r >= 0) parts[m++] = r;
    }
    if (self->cluster_rows) {
        long fine = entry > 0 ? (entry >> 16) - 1 : -1;
        if (fine >= self->n_clusters) {
            PyErr_SetString(PyExc_ValueError, "a word's cluster is out of range");
            goto done;
        }
        if (fine >= 0) parts[m++] = self->cluster_rows[fine];
    }
    if (self->n_words == self->cap_words) {
        Py_ssize_t cap = self->cap_words * 2;
        double *grown = PyMem_Realloc(self->words, sizeof(double) * (size_t)(cap * self->stride));
        if (grown == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        self->words = grown;
        self->cap_words = cap;
    }
    /* Summed part by part, as numpy sums a (parts x width) array along its first axis. */
    int width = self->width;
    for (int p = 0; p < m; p++) prefetch_row(self->parts + (Py_ssize_t)parts[p] * width, width);
    double *out = self->words + self->n_words * self->stride;
    memcpy(out, self->parts + (Py_ssize_t)parts[0] * width, sizeof(double) * (size_t)width);
    for (int p = 1; p < m; p++) {
        const double *add = self->parts + (Py_ssize_t)parts[p] * width;
        for (int j = 0; j < width; j++) out[j] += add[j];
    }
    int64_t pair_code = known->pair;
    memcpy(out + width, &pair_code, sizeof pair_code);
    if (PyList_Append(self->lowers, low) < 0) goto done;
    row = self->n_words++;
done:
    for (int f = 0; f < N_FAMILIES; f++) Py_XDECREF(values[f]);
    Py_DECREF(low);
    return row;
}

static CacheSlot *cache_slot(Encoder *self, PyObject *word, Py_hash_t hash) {
    return (CacheSlot *)str_slot(self->cache, sizeof(CacheSlot), self->cache_mask, word, hash);
}

/* Doubles the cache's slots before more than half of them would be used: 0, or -1 with an
 * error set. */
static int cache_room(Encoder *self) {
    uint64_t cap = self->cache_mask + 1;
    if ((uint64_t)(self->n_words + 1) * 2 <= cap) return 0;
    CacheSlot *grown = PyMem_Calloc((size_t)(cap * 2), sizeof(CacheSlot));
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (uint64_t i = 0; i < cap; i++) {
        CacheSlot *old = self->cache + i;
        if (old->k.key == NULL) continue;
        uint64_t at = (uint64_t)old->k.hash & (cap * 2 - 1);
        while (grown[at].k.key != NULL) at = (at + 1) & (cap * 2 - 1);
        grown[at] = *old;
    }
    PyMem_Free(self->cache);
    self->cache = grown;
    self->cache_mask = cap * 2 - 1;
    return 0;
}

static Py_ssize_t word_row(Encoder *self, PyObject *word) {
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "tokens must hold str words");
        return -1;
    }
    Py_hash_t hash = PyObject_Hash(word);
    if (hash == -1) return -1;
    CacheSlot *slot = cache_slot(self, word, hash);
    if (slot == NULL) return -1;
    if (slot->k.key != NULL) return slot->row;
    if (cache_room(self) < 0) return -1;
    Py_ssize_t row = new_row(self, word);
    if (row < 0) return -1;
    if ((slot = cache_slot(self, word, hash)) == NULL) return -1;
    Py_INCREF(word);
    *slot = (CacheSlot){{hash, word}, row};
    return row;
}

static void encoder_forget(Encoder *self) {
    clear_keys(self->cache, sizeof(CacheSlot), self->cache_mask);
    if (PyList_GET_SIZE(self->lowers)) PyList_SetSlice(self->lowers, 0, PyList_GET_SIZE(self->lowers), NULL);
    self->n_words = 0;
}

static PyObject *encoder_clear(Encoder *self, PyObject *Py_UNUSED(ignored)) {
    if (self->lowers) encoder_forget(self);
    Py_RETURN_NONE;
}

static PyObject *encoder_row(Encoder *self, PyObject *word) {
    if (self->lowers == NULL) return PyErr_Format(PyExc_TypeError, "Encoder is not initialised");
    Py_ssize_t r = word_row(self, word);
    if (r < 0) return NULL;
    PyObject *out = PyList_New(self->width);
    if (out == NULL) return NULL;
    for (int j = 0; j < self->width; j++) {
        PyObject *v = PyFloat_FromDouble(self->words[r * self->stride + j]);
        if (v == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, j, v);
    }
    return out;
}

static inline void add_row(double *to, const double *row, int k) {
    for (int j = 0; j < k; j++) to[j] += row[j];
}

/* encode's and tag's arguments (tokens, text, flat): the flag, or -1 with an error set. */
static int encode_arguments(Encoder *self, PyObject *const *args, const char *name) {
    if (self->lowers == NULL) {
        PyErr_SetString(PyExc_TypeError, "Encoder is not initialised");
        return -1;
    }
    PyObject *tokens = args[0], *text = args[1];
    if (!PyList_Check(tokens) || !PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "%s takes a list of tokens and a str", name);
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tokens); i++) {
        PyObject *t = PyList_GET_ITEM(tokens, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 3) {
            PyErr_SetString(PyExc_TypeError, "tokens must be (word, start, end) tuples");
            return -1;
        }
    }
    return PyObject_IsTrue(args[2]);
}

/* The state scores of `tokens` (n > 0, checked by encode_arguments) into `scores` (n x k):
 * the tokens' lower-cased words, or NULL with an error set. */
static PyObject *encode_into(Encoder *self, PyObject *tokens, PyObject *text, int flat, double *scores) {
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    int k = self->k, stride = self->stride;
    Py_ssize_t *ids = NULL;
    PyObject *lowered = NULL;
    if (self->n_words + n > self->cache_size) encoder_forget(self); /* before this text's rows */
    ids = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n);
    if (ids == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        ids[i] = word_row(self, PyTuple_GET_ITEM(PyList_GET_ITEM(tokens, i), 0));
        if (ids[i] < 0) goto fail;
    }
    /* The words' rows are far apart in a large table: ask for them all before reading. */
    for (Py_ssize_t i = 0; i < n; i++) prefetch_row(self->words + ids[i] * stride, stride);
    if ((lowered = PyList_New(n)) == NULL) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *low = PyList_GET_ITEM(self->lowers, ids[i]);
        Py_INCREF(low);
        PyList_SET_ITEM(lowered, i, low);
    }
    const double *words = self->words;
    /* In numpy's order: own weights; then what the previous token shows its next; then what the
     * next token shows its previous; the ends; a text all in one case. */
    for (Py_ssize_t i = 0; i < n; i++) memcpy(scores + i * k, words + ids[i] * stride, sizeof(double) * (size_t)k);
    for (Py_ssize_t i = 1; i < n; i++) add_row(scores + i * k, words + ids[i - 1] * stride + k, k);
    for (Py_ssize_t i = 0; i + 1 < n; i++) add_row(scores + i * k, words + ids[i + 1] * stride + 2 * k, k);
    add_row(scores, self->first, k);
    add_row(scores + (n - 1) * k, self->last, k);
    if (flat)
        for (Py_ssize_t i = 0; i < n; i++) add_row(scores + i * k, self->flat, k);
    /* Line breaks, then the two words before a token, then the two after. */
    Py_ssize_t text_length = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_FindChar(text, '\n', 0, text_length, 1) >= 0) {
        for (Py_ssize_t i = 1; i < n; i++) {
            Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(tokens, i - 1), 2));
            Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(tokens, i), 1));
            if (PyErr_Occurred()) goto fail;
            if (start > text_length) start = text_length;
            if (end < 0) end = 0;
            if (end < start && PyUnicode_FindChar(text, '\n', end, start, 1) >= 0) {
                if (self->line_start >= 0) add_row(scores + i * k, self->state + self->line_start * k, k);
                if (self->line_end >= 0) add_row(scores + (i - 1) * k, self->state + self->line_end * k, k);
            }
        }
    }
    /* Pair j (words j and j + 1) is seen by token j + 2 as the two before it, and by token
     * j - 1 as the two after it. */
    for (int side = 0; side < 2; side++) {
        int64_t first_flag = side ? FIRST_AFTER : FIRST_BEFORE;
        int64_t second_flag = side ? SECOND_AFTER : SECOND_BEFORE;
        for (Py_ssize_t j = side; j + 2 - side < n; j++) {
            int64_t a, b;
            memcpy(&a, words + ids[j] * stride + 3 * k, sizeof a);
            memcpy(&b, words + ids[j + 1] * stride + 3 * k, sizeof b);
            if (!(a & first_flag) || !(b & second_flag)) continue;
            int64_t r = pair_row(self, side, a >> 4, b >> 4);
            if (r >= 0) add_row(scores + (side ? j - 1 : j + 2) * k, self->state + r * k, k);
        }
    }
    /* Context cues ("my name is") ending right before token i, each entity once. */
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *found = PyDict_GetItemWithError(self->cues, PyList_GET_ITEM(lowered, i - 1));
        if (found == NULL) {
            if (PyErr_Occurred()) goto fail;
            continue;
        }
        unsigned long hits = 0;
        if (!PyTuple_Check(found)) goto bad_cue;
        for (Py_ssize_t c = 0; c < PyTuple_GET_SIZE(found); c++) {
            PyObject *cue = PyTuple_GET_ITEM(found, c);
            if (!PyTuple_Check(cue) || PyTuple_GET_SIZE(cue) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(cue, 2)))
                goto bad_cue;
            long entity = PyLong_AsLong(PyTuple_GET_ITEM(cue, 0));
            long r = PyLong_AsLong(PyTuple_GET_ITEM(cue, 1));
            if (PyErr_Occurred()) goto fail;
            if (entity < 0 || entity >= 32 || r < -1 || r >= self->n_state) goto bad_cue;
            PyObject *before = PyTuple_GET_ITEM(cue, 2);
            Py_ssize_t nb = PyTuple_GET_SIZE(before);
            if ((hits >> entity & 1) || i <= nb) continue;
            int same = 1;
            for (Py_ssize_t b = 0; b < nb && same; b++) {
                int eq = PyObject_RichCompareBool(PyList_GET_ITEM(lowered, i - 1 - nb + b), PyTuple_GET_ITEM(before, b), Py_EQ);
                if (eq < 0) goto fail;
                same = eq;
            }
            if (!same) continue;
            hits |= 1ul << entity;
            if (r >= 0) add_row(scores + i * k, self->state + r * k, k);
        }
    }
    PyMem_Free(ids);
    return lowered;
bad_cue:
    PyErr_SetString(PyExc_ValueError, "cues must be (entity, row, words before) tuples");
fail:
    PyMem_Free(ids);
    Py_XDECREF(lowered);
    return NULL;
}

/* encode(tokens, text, flat, out) -> the tokens' lower-cased words.
 * Writes the (tokens x k) state scores into `out`: as StateScoreEncoder.__call__ computes them. */
static PyObject *encoder_encode(Encoder *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) return PyErr_Format(PyExc_TypeError, "encode takes 4 arguments (%zd given)", nargs);
    int flat = encode_arguments(self, args, "encode");
    if (flat < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(args[0]);
    Py_buffer view;
    if (PyObject_GetBuffer(args[3], &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    PyObject *lowered = NULL;
    if (!is_float64(&view) || view.ndim != 2 || view.shape[0] != n || view.shape[1] != self->k)
        PyErr_Format(PyExc_ValueError, "out must be a C-contiguous float64 array of %zd x %d", n, self->k);
    else
        lowered = n == 0 ? PyList_New(0) : encode_into(self, args[0], args[1], flat, view.buf);
    PyBuffer_Release(&view);
    return lowered;
}

/* tag(tokens, text, flat, transitions, prior, outside, labels) -> (lowered, labels, probs):
 * encode, then decode (_crf_decode.c) with the path given as `labels` (a tuple of k label
 * names), without a numpy array between the two: what CrfRecognizer._tagged needs. */
static PyObject *encoder_tag(Encoder *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) return PyErr_Format(PyExc_TypeError, "tag takes 7 arguments (%zd given)", nargs);
    int flat = encode_arguments(self, args, "tag");
    if (flat < 0) return NULL;
    PyObject *names = args[6];
    if (!PyTuple_Check(names) || PyTuple_GET_SIZE(names) != self->k)
        return PyErr_Format(PyExc_ValueError, "labels must be a tuple of %d names", self->k);
    Py_ssize_t n = PyList_GET_SIZE(args[0]);
    if (n == 0) return Py_BuildValue("([],[],[])");
    double *scores = PyMem_Malloc(sizeof(double) * (size_t)(n * self->k));
    if (scores == NULL) return PyErr_NoMemory();
    PyObject *result = NULL, *decoded = NULL;
    PyObject *lowered = encode_into(self, args[0], args[1], flat, scores);
    if (lowered != NULL) decoded = decode_scores(scores, n, self->k, args[3], args[4], args[5], names);
    if (decoded != NULL)
        result = PyTuple_Pack(3, lowered, PyTuple_GET_ITEM(decoded, 0), PyTuple_GET_ITEM(decoded, 1));
    Py_XDECREF(decoded);
    Py_XDECREF(lowered);
    PyMem_Free(scores);
    return result;
}

static Py_ssize_t encoder_len(Encoder *self) { return self->n_words; }

static PyMethodDef encoder_methods[] = {
    {"encode", (PyCFunction)(void (*)(void))encoder_encode, METH_FASTCALL,
     "encode(tokens, text, flat, out) -> lower-cased words; writes the state scores into out"},
    {"tag", (PyCFunction)(void (*)(void))encoder_tag, METH_FASTCALL,
     "tag(tokens, text, flat, transitions, prior, outside, labels) -> (lowered, labels, probs)"},
    {"row", (PyCFunction)encoder_row, METH_O, "row(word) -> the word's row (own, next, previous)"},
    {"clear", (PyCFunction)encoder_clear, METH_NOARGS, "forget the cached words"},
    {"char_probabilities", (PyCFunction)encoder_char_probabilities, METH_O,
     "char_probabilities(word) -> the character model's class probabilities"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods encoder_as_sequence = {.sq_length = (lenfunc)encoder_len};

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "confide.pii._crf.Encoder",
    .tp_basicsize = sizeof(Encoder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The CRF tagger's state scores (see StateScoreEncoder).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)encoder_init,
    .tp_dealloc = (destructor)encoder_dealloc,
    .tp_methods = encoder_methods,
    .tp_as_sequence = &encoder_as_sequence,
};

static PyMethodDef module_methods[] = {
    {"decode", (PyCFunction)(void (*)(void))crf_decode, METH_FASTCALL,
     "decode(scores, transitions, prior, outside) -> (path, probs)"},
    {"spans", (PyCFunction)(void (*)(void))crf_spans, METH_FASTCALL,
     "spans(tokens, labels, text, label_info, flat, lowered, particles, surnames) -> (spans, capitalised)"},
    {"tokenize", (PyCFunction)(void (*)(void))crf_tokenize, METH_FASTCALL,
     "tokenize(token_type, text) -> the tokens of ner.tokenize, as token_type tuples"},
    {"digit_stats", (PyCFunction)(void (*)(void))crf_digit_stats, METH_FASTCALL,
     "digit_stats(stats_type, text) -> stats_type((digits, longest run of digits))"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef crf_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_crf",
    .m_doc = "The CRF tagger's hot path in C.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__crf(void) {
    if (PyType_Ready(&EncoderType) < 0) return NULL;
    str_lower = PyUnicode_InternFromString("lower");
    if (str_lower == NULL) return NULL;
    PyObject *m = PyModule_Create(&crf_module);
    if (m == NULL) return NULL;
    Py_INCREF(&EncoderType);
    if (PyModule_AddObject(m, "Encoder", (PyObject *)&EncoderType) < 0 ||
        PyModule_AddIntConstant(m, "VERSION", CRF_VERSION) < 0) {
        Py_DECREF(&EncoderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
