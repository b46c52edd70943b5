"""Analysis: what each policy would have shown, overall and by demographic group."""
