"""The child-friendly report form a platform embeds (iframe) or links to.

Plain words, big targets, pictograms, keyboard and screen-reader friendly; anonymous if the child wishes; the
helpline for the child's country; a reference number at the end. Reports go into the same intake as API reports.
"""

from childsafe.reportform.helplines import Helpline, countries, helpline_for
from childsafe.reportform.routes import router
from childsafe.reportform.tokens import BadToken, Context, read_context, sign_context

__all__ = ["BadToken", "Context", "Helpline", "countries", "helpline_for", "read_context", "router", "sign_context"]
