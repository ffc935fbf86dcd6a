"""The web console for moderators, child-safety specialists, compliance officers and administrators.

Server-rendered pages (Jinja2, plain CSS, a little plain JavaScript) over the same capability
functions the API uses: the console holds no business rules of its own beyond who is signed in.
"""
