int uniml_gone(void) { return 0; }
