int uniml_b(void) { return 40; }
