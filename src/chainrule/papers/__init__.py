"""Reproductions of classic papers beyond LeCun et al. 1998 (`chainrule reproduce ...`):
hinton2006 (deep belief nets against backprop, dropout and batch norm) and ioffe2015
(batch normalisation on MNIST). Each module has `register_paper(subparsers)` for the CLI and
`report_sections(outdir, quick)` for the demo report."""
PAPERS = ("chainrule.papers.hinton2006", "chainrule.papers.ioffe2015")
