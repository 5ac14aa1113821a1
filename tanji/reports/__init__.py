"""Study reports structured as GB/T 24067-2024 asks, as HTML and PDF, in zh-CN and en."""
