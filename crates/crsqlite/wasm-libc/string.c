/* The one libc function cr-sqlite's C files call that no wasm32 dependency
 * exports (sqlite-wasm-rs keeps its own copies under private names). */
#include <string.h>

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (int)(unsigned char)*a - (int)(unsigned char)*b;
}
