"""One module per trust item of issue 16: each test fails without its fix."""
