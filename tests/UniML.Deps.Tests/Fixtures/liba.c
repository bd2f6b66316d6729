extern int uniml_b(void);
extern int uniml_gone(void) __attribute__((weak));
int uniml_a(void) { return uniml_b() + 2 + (uniml_gone ? uniml_gone() : 0); }
