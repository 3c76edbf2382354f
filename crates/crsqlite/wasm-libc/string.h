/* Just enough libc for cr-sqlite's C files on wasm32-unknown-unknown: the
 * definitions come from compiler-builtins (mem*) and sqlite-wasm-rs (str*). */
#ifndef CRSQLITE_WASM_STRING_H
#define CRSQLITE_WASM_STRING_H
#include <stddef.h>
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif
