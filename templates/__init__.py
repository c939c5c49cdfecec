"""The Jinja2 templates of the web site, shipped in the wheel as the package labb.templates."""
