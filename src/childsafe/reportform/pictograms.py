"""Inline SVG pictograms for the report reasons (names from childsafe.vocabulary.reasons), drawn for this project.

Served inside the page (no icon font, no CDN), decorative only: the words beside them carry the meaning, so each
SVG is aria-hidden. 24x24 grid, 2px strokes in currentColor so they follow the text colour and high-contrast modes.
"""

from markupsafe import Markup

_SHAPES = {
    "shield": '<path d="M12 3l7 3v5c0 4.5-3 8.3-7 10-4-1.7-7-5.5-7-10V6z"/><path d="M9 12l2 2 4-4"/>',
    "stranger": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4 4.5-6 8-6s7 2 8 6"/><path d="M10 8h4"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 018 0v4"/>'
            '<path d="M12 15v2"/>',
    "camera": '<path d="M4 8h3l2-3h6l2 3h3v11H4z"/><circle cx="12" cy="13" r="3.5"/>',
    "sad": '<circle cx="12" cy="12" r="9"/><path d="M8.5 16.5c2-2 5-2 7 0"/><path d="M9 9.5h.01M15 9.5h.01"/>',
    "warning": '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18h.01"/>',
    "eye": '<path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>'
           '<path d="M4 20L20 4"/>',
    "heart": '<path d="M12 20s-7-4.5-7-10a4 4 0 017-2.6A4 4 0 0119 10c0 5.5-7 10-7 10z"/>',
    "siren": '<path d="M6 18v-5a6 6 0 0112 0v5"/><path d="M4 18h16v3H4z"/><path d="M12 2v2M3.5 6l1.5 1.5'
             'M20.5 6L19 7.5"/>',
    "megaphone": '<path d="M3 10v4h4l8 4V6l-8 4z"/><path d="M18 9a4 4 0 010 6"/><path d="M7 14l1 5h3l-1-4"/>',
    "coin": '<circle cx="12" cy="12" r="9"/><path d="M15 9h-4a1.5 1.5 0 000 3h2a1.5 1.5 0 010 3H9M12 7v2M12 15v2"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "house": '<path d="M3 11l9-7 9 7"/><path d="M5 10v10h14V10"/><path d="M10 20v-5h4v5"/>',
    "question": '<circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 114 2c-1 .7-1.5 1.2-1.5 2.5'
                'M12 17h.01"/>',
    "check": '<circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.5 2.5L16 9.5"/>',
    "phone": '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 005 5L15 13l5 2v4a1 1 0 01-1 1A16 16 0 014 5a1 1 0 011-1z"/>',
    "chat": '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9h8M8 12h5"/>',
    "hand": '<path d="M8 13V6a1.5 1.5 0 013 0v5V4.5a1.5 1.5 0 013 0V11V6a1.5 1.5 0 013 0v8a7 7 0 01-7 7h-.5'
            'a6 6 0 01-5-2.7L3 14a1.6 1.6 0 012.6-1.8L8 15"/>',
    "person": '<circle cx="12" cy="7" r="4"/><path d="M4 21c1-4 4.5-6 8-6s7 2 8 6"/>',
    "people": '<circle cx="9" cy="8" r="3.5"/><path d="M2 20c.8-3.5 3.8-5.5 7-5.5s6.2 2 7 5.5"/>'
              '<circle cx="17" cy="9" r="2.5"/><path d="M17 14c2.3 0 4.3 1.5 5 4"/>',
    "mask": '<path d="M3 7c3-1 6-1 9 1 3-2 6-2 9-1 0 6-3 10-6 10-2 0-2.5-2-3-2s-1 2-3 2c-3 0-6-4-6-10z"/>'
            '<path d="M7 11h2M15 11h2"/>',
}


def _svg(shape: str) -> Markup:
    return Markup(  # noqa: S704 - fixed strings from this module, no user input
        '<svg class="picto" viewBox="0 0 24 24" width="40" height="40" aria-hidden="true" focusable="false" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        f"{shape}</svg>")


PICTOGRAMS: dict[str, Markup] = {name: _svg(shape) for name, shape in _SHAPES.items()}
