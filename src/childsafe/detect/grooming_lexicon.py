# ruff: noqa: E501
# (a table of regular expressions: one pattern per line reads better than strings split across lines)
"""The grooming-stage lexicon: phrase patterns with weights, written from the grooming literature and ChatCoder.

Every pattern runs over the *normalised* message (``childsafe.detect.normalize``: lower case, homoglyphs,
spacing and leetspeak undone, letters repeated 3+ times cut to two, curly apostrophes made straight) and
carries a weight in (0, 1]: how strongly the phrase alone indicates the stage. 1.0 is reserved for phrases
that are hard to read innocently ("our little secret", "mature for your age", "i have your pics"); generic
phrases a parent or a friend also writes ("see you saturday", "send me a pic", "don't tell your sister") get
0.3-0.6 and are left to the relationship features (who is talking to whom, since when) to weigh.

Stages and their ChatCoder 2 codes (McGhee et al. 2011; ``shared/data/espd_pan12_vtpan_ids``):

=====================  =====================================================  =========================
stage                  what                                                   ChatCoder
=====================  =====================================================  =========================
trust_building         flattery, "so mature", looks, special relationship     200 Personal information
                                                                              (relationships, values)
personal_info          asking age, school, address, name, number, boy/girl    200 (demographic details)
private_channel        moving to snap/whatsapp/telegram/discord, "dm me"       900 Approach (isolation)
isolation_secrecy      "don't tell your parents", "our secret", "delete this", 900 Approach (isolation)
                       "are you alone", "who else uses your phone"
desensitising_sexual   sexual or romantic talk, body, "have you ever kissed"  600 Grooming
image_request          asking for photos or video of the child, camera        600 (images) / 900 (pictures
                                                                              to identify)
meeting                arranging to meet, "i can pick you up", "come over"    900 Approach (meeting,
                                                                              location)
gifts_money            robux, v-bucks, gift cards, money, "i'll buy you"      (not coded; literature)
threats_sextortion     "i'll share your pics", "pay or …", "i have your        (not coded; literature:
                       photos", deadlines                                      NCMEC/Thorn sextortion)
=====================  =====================================================  =========================

``DAMPENERS``: message-level context that makes a *generic* cue of one stage benign (a surprise party
behind "don't tell your sister", a team sheet behind "send me the photo"); they multiply hits of weight
below 0.95 only, so "a pic of you in your pj's" stays strong whatever else the message says.

The patterns are deliberately non-explicit: the most graphic terms are not needed to find the stages,
which lie in the requests, the secrecy and the relationship around them.
"""

from __future__ import annotations

import re

__all__ = ["DAMPENERS", "LEXICON", "STAGES", "compiled_lexicon"]

STAGES: tuple[str, ...] = (
    "trust_building",
    "isolation_secrecy",
    "private_channel",
    "personal_info",
    "desensitising_sexual",
    "image_request",
    "meeting",
    "gifts_money",
    "threats_sextortion",
)

# ----------------------------------------------------------------------------------------- building blocks
U = r"(?:you|u|ya|yu|yuo|yoo)"
YOUR = r"(?:your|ur|yr|yor|youre|you're)"
YOURE = r"(?:you're|youre|you are|u are|ur|u r|you r|yr|u're)"
ARE_U = r"(?:are|r|re)\s+" + U
DO_U = r"(?:do|d|does|did)\s+" + U
I_WILL = (
    r"(?:i'll|ill|i will|i'm gonna|im gonna|i'm going to|im going to|imma|ima|i am going to|i can|i could|let me|lemme)"
)
DONT = r"(?:don't|dont|do not|dnt|never|don t|dun)"
PIC = (
    r"(?:pics?|pix|pic's|piccies|picture?s?|photos?|photographs?|fotos?|selfies?|snaps|vids?|videos?|"
    r"images?|shots?|clips?)"
)
PIC_NOUN_OK = (  # "snap" alone names the app far more often than a photo
    r"(?:snaps|pics?|pix|photos?|selfies?|vids?|videos?)"
)
SEND = r"(?:send|sen|snd|share|show|give|post|drop|shoot|upload|sent|txt|text)"
PARENTS = (
    r"(?:parents?|mum|mom|mam|mommy|mummy|momma|dad|daddy|father|mother|family|folks|step\s?(?:mum|mom|dad)|"
    r"guardians?|carers?|foster\s+(?:mum|mom|dad|parents?|carers?)|teachers?|police|cops?)"
)
ANYONE = r"(?:anyone|any1|any one|anybody|any body|no one|noone|no1|nobody|no body|ppl|people|friends?|bffs?)"
PLATFORM = (
    r"(?:snap(?:chat)?|sc|insta(?:gram)?|ig|whats\s?app|wa|kik|telegram|tele|discord|signal|wickr|session|"
    r"tik\s?tok|skype|facebook|fb|messenger|wechat|viber|line|threads|twitter|x|omegle|yubo|wink|hoop|"
    r"monkey|bereal|imessage|facetime|face time|google chat|private chat|another app|a different app|"
    r"the other app|somewhere else|my app)"
)
OUTFIT = (
    r"(?:pj's|pjs|p\.?j\.?s|pajamas|pyjamas|jammies|nightie|nightdress|nightgown|underwear|undies|bra|knickers|"
    r"bikini|swimsuit|swimming costume|cossie|towel|leggings|shorts|crop top|school uniform|uniform|robe|"
    r"dressing gown|onesie|tights|skirt|bath|shower|bed)"
)
BODY = r"(?:body|legs|chest|bum|butt|tummy|belly|feet|thighs|figure|curves|lips|hips|skin)"
GAME_CURRENCY = (
    r"(?:robux|v-?bucks|vbucks|gems|coins|skins?|battle ?pass|nitro|gift ?cards?|itunes(?: cards?)?|"
    r"steam (?:cards?|credit|wallet)|amazon (?:cards?|vouchers?)|google play (?:cards?|credit)|psn (?:cards?|credit)|"
    r"paypal|cash ?app|venmo|revolut|money|cash|dosh|quid|bucks|£\s?\d+|\$\s?\d+|\d+\s?(?:quid|pounds|dollars)|"
    r"airpods|iphone|new phone|a phone|phone credit|top.?up|clothes|makeup|make-up|trainers|sneakers|shoes|"
    r"headphones|a switch|a ps5|a console|tickets?)"
)
WHEN_TIME = r"(?:tonight|tomorrow|tmrw|tmr|tomoz|this weekend|at the weekend|on (?:the )?weekend|saturday|sunday|friday|after school|later|soon|sometime|one day)"
HOME = r"(?:home|in|around|there|about|in the house|downstairs|upstairs|nearby|near|with (?:you|u))"
ALONE = r"(?:alone|by (?:ur|your)self|by (?:urself|yourself)|on (?:ur|your) own|home alone|in (?:ur|your) room|in (?:ur|your) bedroom)"
SO = r"(?:so+|really|rly|very|super|proper|well|such)"
YOU_WILL_GET_IN_TROUBLE = r"(?:you'll|youll|you will|u will|ull) (?:be the one|get) in (?:trouble|prison|jail)"

# ----------------------------------------------------------------------------------------- the lexicon
# (pattern, weight). Each is a regular expression over normalised text, searched with word boundaries added.
LEXICON: dict[str, list[tuple[str, float]]] = {
    "trust_building": [
        (
            rf"(?:mature|grown up|grown-up|grownup|old) (?:for|4) (?:(?:{YOUR}|a) (?:age|\d+|\d+ year old)|\d+|a year \d+)",
            1.0,
        ),
        (rf"{U} (?:seem|look|sound|act|come across) (?:{SO} )?(?:mature|grown up|grownup|older|wise)", 0.7),
        (
            r"(?:hey|hi|hello|hiya|heyy|morning|evening) (?:there )?(?:cutie|beautiful|gorgeous|sexy|pretty|stunning|handsome|cutie pie)",
            0.5,
        ),
        (
            rf"{YOUR} (?:pics?|photos?|selfies?|pictures?|videos?|vids|stories|story|posts?) (?:are|is|r|look|looks) (?:{SO} )?(?:pretty|cute|beautiful|gorgeous|amazing|stunning|hot|nice)",
            0.6,
        ),
        (
            rf"{U} (?:look|looked|looks) (?:{SO} )?(?:like a model|cute|pretty|beautiful|gorgeous|stunning|hot|amazing)",
            0.6,
        ),
        (rf"bet {U} look (?:{SO} )?(?:cute|pretty|good|hot|beautiful|gorgeous|amazing)", 0.7),
        (
            rf"(?:been |always |keep |can't stop |cant stop )?thinking (?:about|of) {U}(?: all day| all the time| every day| so much)?",
            0.6,
        ),
        (rf"(?:i )?miss(?:ed)? {U}(?: so much| today| already| loads)?", 0.4),
        (
            r"my (?:fav(?:ou?rite)?|special|number one|no 1) (?:player|girl|boy|person|student|one|kid|artist|gamer|friend)",
            0.5,
        ),
        (rf"{YOURE} (?:honestly |literally |actually )?my (?:fav(?:ou?rite)?)", 0.5),
        (rf"(?:i thought|don't|dont|do|why don't|why dont) {U} trust me", 0.6),
        (rf"{YOURE} (?:actually |really |so )?(?:good|amazing|insane|cracked) at (?:this|the game|it)", 0.3),
        (rf"{YOURE} (?:{SO} )?(?:mature|grown up|grownup|grown-up)", 0.8),
        (rf"(?:act|seem|sound|look|talk|type)s? (?:{SO} )?(?:much )?(?:older|more mature) than", 0.9),
        (rf"{DONT} (?:act|seem|sound|talk|type) like (?:a kid|a child|a \d+ year old|\d+|{YOUR} age)", 0.9),
        (rf"not like (?:other|most) (?:girls|boys|kids|people)(?: {YOUR} age)?", 0.9),
        (rf"(?:most|other) (?:girls|boys|kids) {YOUR} age", 0.8),
        (rf"{YOURE} (?:{SO} )?(?:pretty|beautiful|gorgeous|cute|stunning|handsome|fit|lovely|perfect|amazing)", 0.6),
        (rf"{YOURE} (?:{SO} )?(?:hot|sexy|peng|buff)", 0.7),
        (r"such a (?:pretty|beautiful|gorgeous|cute|lovely|stunning|special) (?:girl|boy|lady|young lady|thing)", 0.8),
        (rf"(?:pretty|beautiful|cute|gorgeous|stunning) (?:girl|boy|face|smile|eyes)(?: like {U})?", 0.5),
        (rf"(?:love|luv|like) {YOUR} (?:pics?|photos?|selfies?|profile|pfp|videos?|vids|eyes|smile|hair|style)", 0.4),
        (rf"{YOURE} (?:{SO} )?(?:special|different|one of a kind|unique)", 0.6),
        (rf"{U} (?:really )?(?:understand|get) me", 0.7),
        (rf"(?:nobody|no one|noone|no1) (?:understands|gets|knows) {U} like (?:i|me)", 1.0),
        (
            rf"i'?m the only (?:one|person) (?:who|that) (?:really )?(?:gets|understands|cares about|listens to) {U}",
            1.0,
        ),
        (rf"(?:i'll|ill|i will|i'm|im) (?:always )?(?:be )?(?:here|there) for {U}", 0.5),
        (rf"{U} can (?:tell|trust) me (?:anything|everything)", 0.8),
        (rf"{U} can trust me", 0.6),
        (rf"i (?:really )?care about {U}(?: so much| more than)?", 0.5),
        (rf"i think i'?m (?:falling for|in love with) {U}", 0.9),
        (r"i feel like i(?:'ve| have)? known (?:you|u) (?:forever|for ages|my whole life)", 0.7),
        (rf"{YOURE} my (?:fav(?:ou?rite)?|special|best) (?:girl|boy|person|one)", 0.7),
        (rf"(?:they|your family|ur family) (?:{DONT}|don't) (?:deserve|appreciate|get) {U}", 0.8),
        (
            rf"bet {U} (?:have|got) (?:loads|lots|so many|tons) (?:of )?(?:boyfriends|girlfriends|admirers|boys|girls)",
            0.8,
        ),
        (rf"(?:lucky|luckiest) (?:guy|boy|man|girl) (?:to|who) (?:get|gets|has|have) {U}", 0.7),
        (rf"{YOURE} (?:{SO} )?(?:talented|smart|clever|funny|sweet|kind|easy to talk to)", 0.3),
        (rf"i (?:only|just) (?:want|wanna) (?:to )?(?:make {U} happy|look after {U}|take care of {U})", 0.7),
        (r"(?:i|we) have a (?:special|real) (?:connection|bond)", 0.9),
        (r"(?:we(?:'re| are)|ur|you(?:'re| are)) (?:like )?(?:soulmates|meant to be)", 0.8),
        (rf"i (?:love|luv|ly|ily) {U}(?: so much)?", 0.3),
        (r"ily|ilysm|love ya|luv ya", 0.2),
        (rf"(?:i'd|i would|i'll|ill) (?:never|not) (?:hurt|judge|lie to) {U}", 0.6),
        (rf"{U} (?:deserve|deserves) (?:someone|better|to be treated)", 0.5),
        (rf"(?:wish|if only) (?:i|we) (?:was|were) {YOUR} age", 0.9),
        (rf"{YOURE} (?:{SO} )?(?:wise|intelligent|smart) (?:for|4) {YOUR} age", 1.0),
    ],
    "isolation_secrecy": [
        (
            rf"{DONT} (?:tell|say|mention|show|let) (?:(?:it|this|that|anything|nothing) )?(?:to )?(?:{YOUR} |ur |the )?{PARENTS}",
            1.0,
        ),
        (rf"{DONT} mention (?:it|this|that|anything|us|me) (?:to )?(?:{YOUR} |ur |the )?{PARENTS}", 1.0),
        (r"(?:secret|secrets?)(?:'s| is)? safe with me", 0.6),
        (rf"{DONT} (?:tell|say|mention) (?:it |this |anything )?(?:to )?{ANYONE}", 0.9),
        (rf"{DONT} tell (?:{YOUR} |ur )?(?:sister|brother|sis|bro|nan|gran|aunt|uncle|cousin)", 0.4),
        (r"(?:don't|dont|do not) tell", 0.3),
        (r"(?:our|a|my) (?:little |lil |special |big )?secret", 0.9),
        (
            r"(?:this|it|that|we)(?:'s| is| are| r| can be| will be| stays)? (?:our|a) (?:little |lil |special )?secret",
            1.0,
        ),
        (
            r"keep (?:this|it|us|that|our (?:chats?|convos?|talks?|messages|friendship|relationship)) (?:between us|secret|private|quiet|on the low|low ?key|to (?:urself|yourself))",
            1.0,
        ),
        (r"between (?:you and me|u and me|us two|the two of us)", 0.7),
        (r"(?:just|only|stays|stay) between us", 0.8),
        (r"(?:no ?one|nobody|noone|no1) (?:needs|has|have|has got|needs) to know", 1.0),
        (
            rf"{DONT} (?:let|want) (?:{ANYONE}|{YOUR} {PARENTS}|ur {PARENTS}|them) (?:to )?(?:see|know|find out|read|check)",
            1.0,
        ),
        (
            rf"make sure (?:{ANYONE}|{YOUR} {PARENTS}|ur {PARENTS}|they|no one|nobody) (?:doesn't|dont|don't|never|can't|cant)? ?(?:sees?|knows?|finds? out|reads?|checks?)",
            0.9,
        ),
        (
            r"delete (?:this|these|that|the|our|all|my|ur|your|those|them|every) ?(?:chats?|messages?|msgs?|texts?|convos?|conversations?|pics?|photos?|history|dms|snaps?)?(?: after| when| once| now| afterwards)?",
            0.7,
        ),
        (r"delete (?:it|them|this|everything) (?:after|when|once|afterwards|straight away)", 0.9),
        (rf"(?:clear|wipe|delete) (?:{YOUR} |the )?(?:chat|history|search history|messages)", 0.8),
        (
            rf"(?:has|have|did|does|do) {YOUR} {PARENTS} (?:ever )?(?:seen|read|found|see|read|find|know about) (?:our|these|the|my|this|us)",
            1.0,
        ),
        (r"(?:get|got|have|has|gets) the wrong idea", 0.8),
        (
            rf"{U} (?:don't|dont|do not|dnt) (?:have|need) to tell (?:her|him|them|{PARENTS}|{YOUR} {PARENTS}|anyone|any1|anybody)",
            0.9,
        ),
        (r"(?:don't|dont|do not|never) save (?:my|mine|me|my number)(?: number)? (?:under|as|with)", 1.0),
        (r"save me as (?:a |someone|something)", 0.9),
        (rf"{YOUR} {PARENTS} (?:might|could|will|would|may) (?:see|find out|read|check|notice)", 0.8),
        (rf"when {YOURE} (?:alone|on {YOUR} own|by {YOUR}self|home alone|by yourself|by urself)", 0.9),
        (
            r"(?:no ?one|nobody|noone|no1) (?:will|would|'ll|is going to|gonna|has to|needs to) (?:ever )?(?:know|find out)",
            0.9,
        ),
        (
            rf"{YOUR} {PARENTS} (?:{DONT}|doesn't|dont|don't|never) (?:understand|get|appreciate|listen to|care about) {U}",
            0.8,
        ),
        (rf"(?:she|he|they) (?:doesn't|dont|don't|does not|do not) deserve {U}", 0.7),
        (rf"{ARE_U} (?:home |all |by )?(?:alone|on {YOUR} own|by {YOUR}self|by urself|by yourself)", 0.9),
        (rf"{ARE_U} (?:in|on) {YOUR} (?:room|bedroom|bed) (?:alone|by {YOUR}self)", 1.0),
        (rf"(?:is|are|r) (?:anyone|any1|anybody|someone|{YOUR} {PARENTS}|ur {PARENTS}) (?:else )?(?:{HOME})", 0.8),
        (
            rf"(?:when|what time) (?:do|does|will|are|r|is) {YOUR} {PARENTS} (?:go out|leave|get home|get back|come home|at work|away|working|out|asleep|go to bed|go to sleep)",
            0.9,
        ),
        (
            rf"(?:who|anyone|any1|does anyone) else (?:use|uses|use|see|sees|read|reads|check|checks|go through|look at|looks at|have access to) {YOUR} (?:phone|messages|account|ipad|tablet|laptop|computer|dms|chats)",
            1.0,
        ),
        (
            rf"(?:do|does|will|would) {YOUR} {PARENTS} (?:check|read|look at|go through|see|monitor|snoop on) {YOUR} (?:phone|messages|texts|chats|dms|ipad|tablet|account)",
            1.0,
        ),
        (
            rf"{YOUR} {PARENTS} (?:wouldn't|would not|wont|won't|will not|wouldnt|dont|don't) (?:understand|get it|approve|like it|let)",
            1.0,
        ),
        (r"(?:they|people) (?:wouldn't|won't|wouldnt|wont|would not) understand (?:us|this|what we have)", 0.9),
        (
            r"(?:we'd|we would|you'd|you would|u would|i'd|i would|we'll|we will|i'll|you'll) (?:both )?get (?:in|into) (?:so much |big )?trouble",
            0.8,
        ),
        (r"(?:i|we) (?:could|can|would|will) get (?:in|into) trouble (?:for|if)", 0.8),
        (rf"lie to {YOUR} {PARENTS}", 1.0),
        (
            rf"(?:tell|say to|say|tell (?:them|her|him)) (?:them |{YOUR} {PARENTS} |ur {PARENTS} )?{YOURE} (?:at|with|staying at|sleeping at|going to|round|over at|staying with) (?:a |{YOUR} |ur )?(?:friend|mate|bff|bestie|pal)(?:s|'s)?",
            1.0,
        ),
        (rf"(?:go|get|be) (?:in|to) {YOUR} (?:room|bedroom)(?: so| where)? (?:no ?one|nobody|they|no1)", 1.0),
        (
            rf"(?:go|be|get|meet|take {U}) (?:to )?(?:somewhere|some ?where|a place) (?:more )?(?:private|quiet|nobody|no one)",
            0.7,
        ),
        (r"(?:use|put on|wear) (?:headphones|earphones|earbuds|airpods) so (?:no ?one|nobody|they)", 0.9),
        (rf"turn off {YOUR} (?:location|find my|snap map|life360)", 0.8),
        (
            rf"(?:hide|hidden) (?:this|the|our) (?:app|chat|messages)|(?:hide|hiding) (?:it|this) from {YOUR} {PARENTS}",
            1.0,
        ),
        (rf"{YOUR} friends (?:are|r) (?:so )?(?:jealous|fake|immature|childish|boring|not real friends)", 0.7),
        (
            rf"(?:they|{YOUR} {PARENTS}|{YOUR} friends) (?:don't|dont|do not|never) (?:really )?(?:care about|love|get|listen to) {U}",
            0.7,
        ),
        (rf"(?:you|u) (?:don't|dont) need (?:them|{YOUR} friends|anyone else)", 0.9),
        (rf"(?:{U} )?can(?:'t|t|not) tell (?:{ANYONE}|{YOUR} {PARENTS}) about (?:us|this|me)", 1.0),
        (rf"{DONT} (?:say|tell|mention) (?:anything )?about (?:us|me|this|our chats?|what we)", 1.0),
        (rf"(?:if|when) {YOUR} (?:{PARENTS}|mum|mom|dad) (?:asks?|finds? out|sees?)", 0.6),
        (
            rf"(?:say|tell (?:them|her|him)) (?:i'?m|im|i am) (?:a friend|{YOUR} friend|from school|a girl|a kid|\d+)",
            0.9,
        ),
        (rf"(?:is|are) {YOUR} (?:door|bedroom door) (?:locked|shut|closed)", 0.9),
        (r"(?:can|could) (?:u|you) talk (?:privately|in private|alone|now without)", 0.8),
        (r"(?:go|get) (?:somewhere|to a place) (?:where )?(?:no ?one|nobody) (?:can )?(?:see|hear)", 1.0),
        (r"(?:sneak|slip) out", 0.8),
    ],
    "private_channel": [
        (rf"add me on {PLATFORM}", 0.8),
        (rf"(?:what's|whats|wats|wat's|what is|wat is|whats) {YOUR} {PLATFORM}", 0.8),
        (rf"(?:do|have|r|are|d) {U} (?:got|have|on|use|got a|have a) {PLATFORM}", 0.7),
        (rf"(?:{U} )?(?:got|have|on) {PLATFORM}\?", 0.6),
        (
            r"(?:text|call|ring|message|msg|whatsapp) me (?:on|at) my (?:personal|own|private|other|real|second|work) (?:number|phone|mobile|account|acc)",
            1.0,
        ),
        (r"instead of (?:the |this )?(?:team|group|class|club|school|game|server) (?:chat|app|page|server|group)", 0.9),
        (r"(?:easier|better|quicker|safer) to (?:talk|text|chat|message|msg)", 0.7),
        (
            r"(?:talk|chat|speak|message|text) (?:somewhere|some ?where|someplace) (?:more )?(?:private|else|quieter)",
            0.9,
        ),
        (rf"(?:i'll|ill|i will|let me|lemme) (?:dm|pm|message|msg|inbox) {U}", 0.5),
        (r"(?:join|come to) my (?:private|secret|own) (?:server|group|chat|channel|discord)", 0.8),
        (
            r"(?:talk|chat|message|msg|text|send|speak|dm|pm|add|follow|reach|find|answer|reply|continue|move|switch|go)\b[^.?!]{0,25}\b(?:on|over on|via|through|to) (?:snap(?:chat)?|whats\s?app|kik|telegram|discord|insta(?:gram)?|signal|wickr)(?! (?:story|stories|streak|streaks|map))",
            0.4,
        ),
        (
            rf"(?:let's|lets|we should|we can|can we|could we|shall we|wanna|want to|should we|we could) (?:talk|chat|move|go|switch|continue|carry on|speak|message|text|msg) (?:this |it )?(?:on|to|over to|in|onto|over on) {PLATFORM}",
            1.0,
        ),
        (
            rf"(?:talk|chat|message|msg|text|speak|dm|pm|add|hit me up|reach me|find me|follow me) (?:me |u |you )?(?:on|in|over on|at|via) {PLATFORM}",
            0.8,
        ),
        (rf"(?:give|send|drop|tell) me {YOUR} {PLATFORM}", 0.9),
        (rf"(?:give|send|drop) me {YOUR} (?:@|handle|username|user|tag|id|account)", 0.8),
        (rf"(?:download|get|install|make an account on|make a) {PLATFORM}", 0.7),
        (r"(?:dm|pm|inbox|message|msg) me(?: privately| in private| directly| later| now| pls| please| asap)?", 0.5),
        (r"(?:slide|slid) (?:into|in) (?:my|ur|your) dms", 0.5),
        (r"(?:in|into) (?:my|the|your|ur) (?:dms|pms|inbox)", 0.4),
        (r"(?:private|direct|secret|separate) (?:chat|message|msg|convo|conversation|group|server|account)", 0.6),
        (
            r"(?:this|the) (?:app|game|chat|site|server|platform) (?:isn't|is not|isnt|not|aint|ain't) (?:private|safe|good for)",
            0.9,
        ),
        (
            r"(?:they|mods|moderators|admins|people|staff|the app|someone) (?:can|could|might|will) (?:see|read|check|monitor) (?:this|our|what we|these|the chat)",
            0.9,
        ),
        (
            r"(?:disappearing messages|vanish mode|secret chat|self.?destruct(?:ing)?|messages disappear|it deletes itself|auto.?delete)",
            0.9,
        ),
        (rf"(?:{PLATFORM}) (?:is|'s) (?:better|safer|more private|easier)", 0.8),
        (r"(?:text|call|ring|phone|whatsapp|facetime) me (?:on|at) (?:\d|this|my)", 0.7),
        (
            rf"(?:can i|could i|lemme|let me) (?:have|get) {YOUR} (?:number|num|digits|snap|insta|discord|kik|whatsapp)",
            0.9,
        ),
        (r"(?:here'?s|this is) my (?:number|num|snap|insta|discord|kik|whatsapp|telegram)", 0.6),
        (r"my (?:snap|sc|insta|ig|discord|kik|telegram|whatsapp) is", 0.5),
        (r"(?:video ?call|vc|facetime|face time|call) me (?:tonight|later|now|when)", 0.5),
        (r"(?:make|create) (?:a |an )?(?:new |secret |second |private |finsta )?(?:account|acc|finsta)", 0.8),
        (r"(?:we can|we could|let's|lets) talk (?:more )?(?:privately|in private|somewhere else|properly)", 0.9),
        (r"(?:leave|get off|come off|log off) (?:this|the) (?:game|app|server|chat) and", 0.7),
        (r"(?:accept|check) my (?:friend )?request", 0.3),
    ],
    "personal_info": [
        (rf"how old {ARE_U}", 0.7),
        (r"a/?s/?l", 0.9),
        (rf"(?:what's|whats|wats|what is|wat is) {YOUR} age", 0.7),
        (rf"(?:what|which|wat) (?:year|grade|class) {ARE_U} in", 0.7),
        (rf"{ARE_U} (?:in )?(?:year|grade) \d+", 0.6),
        (rf"{ARE_U} (?:under|over) (?:\d+|18|16|13)", 0.8),
        (rf"{ARE_U} (?:like )?\d+\??", 0.4),
        (rf"(?:when's|whens|when is|wen is) {YOUR} (?:birthday|bday|b-day)", 0.4),
        (rf"(?:what|which|wat) school (?:do|d|does|did) {U} (?:go to|attend)", 0.9),
        (rf"(?:what's|whats|what is|wats|wat is) {YOUR} school(?: called)?", 0.9),
        (rf"where (?:do|d) {U} go to school", 0.9),
        (rf"where (?:do|d) {U} live", 0.8),
        (
            rf"(?:what's|whats|what is|wats|wat is|send me|give me|tell me) {YOUR} (?:address|postcode|post code|zip|zip code|house number|street)",
            1.0,
        ),
        (rf"(?:what|which|wat) (?:area|town|city|part of \w+|street|road|county|state) {ARE_U} (?:in|from)", 0.6),
        (rf"(?:what|which|wat) (?:area|town|city|street|road) (?:do|d) {U} live (?:in|on)", 0.8),
        (rf"where (?:(?:are|r) )?{U} from", 0.4),
        (rf"where {ARE_U} (?:rn|right now|now|at the moment)", 0.5),
        (rf"(?:what's|whats|what is|wats|wat is) {YOUR} (?:real |full |last |second |sur)?name", 0.6),
        (
            rf"(?:what's|whats|what is|wats|wat is) {YOUR} (?:number|phone number|mobile|mobile number|num|digits|cell)",
            0.9,
        ),
        (rf"(?:give|send|drop|tell) me {YOUR} (?:number|digits|num|phone number)", 0.9),
        (rf"(?:do|have|r) {U} (?:got|have) a (?:boyfriend|girlfriend|bf|gf|crush|partner)", 0.6),
        (rf"(?:who|what|wat) do {U} live with", 0.7),
        (rf"{DO_U} have (?:{YOUR} )?own (?:room|bedroom|phone)", 0.8),
        (rf"(?:what|wat) do {U} look like", 0.6),
        (rf"{ARE_U} (?:a )?(?:boy|girl|guy|m or f|male or female)", 0.5),
        (r"(?:m or f|boy or girl|girl or boy|m/f|f/m)", 0.6),
        (rf"(?:where|what) (?:do|does) {YOUR} (?:mum|mom|dad|parents) work", 0.7),
        (rf"(?:what|wat) time (?:do|d) {U} (?:get home|finish school|leave school|walk home|go to bed)", 0.8),
        (rf"(?:how|which way) do {U} (?:get|walk|go) (?:home|to school)", 0.8),
        (rf"(?:tell|talk) me (?:more )?about {YOUR}self", 0.3),
        (
            rf"(?:what's|whats|wats|what is|wat is|send me|give me|drop|dm me|tell me) {YOUR} (?:snap(?:chat)?|sc|insta(?:gram)?|ig|discord|kik|telegram|whatsapp|tiktok|epic|psn|xbox|steam|roblox|gamertag|username|user ?name|user|tag|handle|display name|epic name|account|acc)(?: name| username| tag| id)?",
            0.5,
        ),
        (rf"where (?:are|r) {U}(?: (?:rn|right now|now|at the moment|atm))?\?", 0.5),
        (rf"{DO_U} walk (?:home|to school) (?:alone|by {YOUR}self|on {YOUR} own)", 1.0),
        (rf"(?:what|which|wat) (?:bus|train) (?:do|d) {U} (?:get|take)", 0.7),
        (rf"(?:how tall|how much do) {ARE_U}|how much do {U} weigh", 0.6),
    ],
    "desensitising_sexual": [
        (rf"(?:have|hav|did|do) {U} (?:ever )?(?:kissed|been kissed|kiss|made out|snogged|french kissed)", 1.0),
        (rf"{ARE_U} (?:still )?(?:a )?virgin", 1.0),
        (
            rf"(?:have|did|do) {U} (?:ever )?(?:done it|had sex|slept with|fooled around|done stuff|gone all the way)",
            1.0,
        ),
        (rf"(?:what|wat|wot) {ARE_U} wearing", 0.9),
        (rf"{ARE_U} (?:in|wearing) {YOUR} {OUTFIT}", 1.0),
        (rf"{ARE_U} in (?:bed|the bath|the shower)", 0.7),
        (rf"(?:what|wat) do {U} (?:sleep|wear to bed|wear in bed) in", 1.0),
        (rf"(?:do|have|did) {U} (?:ever )?(?:touch|touched|play with|played with) (?:{YOUR}self|urself|yourself)", 1.0),
        (rf"(?:has|have) {YOUR} body (?:changed|developed|started)", 1.0),
        (rf"{ARE_U} (?:developed|developing|fully developed|grown)", 0.9),
        (rf"(?:how|what) (?:big|small|tall) (?:are|r|is) {YOUR} {BODY}", 0.9),
        (r"(?:bra|cup) size", 1.0),
        (rf"(?:tell|describe) (?:me )?(?:about )?{YOUR} (?:body|first kiss|figure)", 1.0),
        (rf"{YOUR} {BODY} (?:must be|is|looks?) (?:so )?(?:nice|hot|sexy|amazing|perfect|soft|beautiful)", 1.0),
        (
            r"(?:sex|sexy|horny|naughty|dirty|kinky|aroused|turned on|turn me on|turns me on|nude|naked|nudes|strip|stripping|porn|x-?rated|18\+)",
            0.8,
        ),
        (
            rf"(?:i )?(?:want|wanna|would love|would like|wish i could|could|can't wait to|cant wait to) (?:to )?(?:kiss|cuddle|hold|touch|hug|be with|snuggle|spoon) {U}",
            0.9,
        ),
        (rf"(?:kiss|cuddle|hug|touch|snuggle) {U} (?:all over|everywhere|properly|for real)", 1.0),
        (r"(?:i|we) (?:could|can|should) (?:practice|practise) (?:kissing|stuff|things)", 1.0),
        (
            r"(?:it's|its|it is) (?:totally |completely )?(?:normal|natural|ok|okay|fine) (?:for|to|when) (?:people|girls|boys|couples|us|someone|an older|older)",
            0.7,
        ),
        (r"(?:older|mature) (?:guys|men|boyfriends?|girlfriends?|women|man|guy)", 0.7),
        (r"(?:someone|somebody|a guy|a man|a girl|a woman|people|guys|men) (?:a bit |a lot |much |way )?older", 0.7),
        (
            r"(?:it's|its|it is) (?:totally |completely |perfectly )?(?:normal|natural|ok|okay|fine) to (?:want|like|feel|try|practise|practice|experiment|be curious|kiss)",
            0.7,
        ),
        (r"age (?:is|'s) (?:just|only) a number", 1.0),
        (r"(?:the )?age (?:gap|difference|thing)", 0.7),
        (rf"(?:would|do|could) {U} (?:ever )?(?:date|go out with|kiss|be with) (?:an |someone )?older", 1.0),
        (rf"(?:do|would) {U} like older", 1.0),
        (r"be my (?:girlfriend|boyfriend|gf|bf|gurl|girl|babe)", 0.8),
        (rf"(?:have|had|did) {U} (?:ever )?(?:had|have) a (?:boyfriend|girlfriend|bf|gf)", 0.5),
        (r"(?:ever )?(?:seen|watched|watch) (?:porn|adult videos|adult stuff|dirty videos)", 1.0),
        (
            rf"(?:do|did) {U} (?:ever )?think about (?:sex|kissing|boys|girls|me|older|it) (?:like that|that way|in that way)?",
            0.7,
        ),
        (rf"{YOURE} (?:{SO} )?(?:sexy|hot|naughty|a tease)", 0.9),
        (r"(?:just )?(?:our|a) (?:little )?game (?:just )?(?:for|between) us", 0.8),
        (r"(?:sit|sat|sitting) on my (?:lap|knee)", 1.0),
        (rf"(?:what|wat) (?:colour|color|kind) (?:is|are) {YOUR} (?:underwear|undies|bra|knickers|pjs)", 1.0),
        (r"(?:take|took) (?:it|them|that|ur clothes|your clothes|ur top|your top) off", 1.0),
        (r"(?:in|with) (?:nothing|no clothes|just a towel|only a towel)", 1.0),
        (rf"{ARE_U} (?:ticklish|flexible)", 0.6),
        (rf"(?:have|has) anyone (?:ever )?(?:touched|kissed|seen) {U}", 1.0),
        (r"(?:wanna|want to) (?:play|try) (?:truth or dare|a game)", 0.4),
        (rf"(?:how far|what) (?:have|would) {U} (?:gone|go|done)", 0.8),
        (r"(?:first|1st) kiss", 0.6),
        (r"(?:crush on|fancy|fancied|like like) (?:an? )?(?:older|teacher|grown)", 0.8),
        (r"(?:in|into) (?:ur|your|my) (?:bed|bedroom) (?:with|together)", 0.9),
    ],
    "image_request": [
        (
            rf"(?:{SEND}) (?:me |us )?(?:a |an |some |more |another |one more |a few |ur |your |that |the )?(?:cute |quick |new |nice |little |pretty |private |special )?{PIC}",
            0.5,
        ),
        (
            rf"(?:{SEND}) (?:me )?(?:a |an |some |more |another )?(?:cute |quick |new |nice |little )?{PIC} (?:of|with|from) (?:{U}|{YOUR}self|urself|yourself|{YOUR} face|ur face|{YOUR} (?:outfit|fit|look|room|bedroom)|just {U})",
            0.8,
        ),
        (rf"{PIC} of (?:{U}|{YOUR}self|urself|yourself|just {U})(?! and)", 0.7),
        (
            rf"(?:show|let) me (?:see )?(?:{U}|{YOUR}self|urself|yourself|{YOUR} {BODY}|what {U} look like|what {YOURE} wearing|{YOUR} outfit|{YOUR} (?:room|bedroom))",
            0.8,
        ),
        (
            rf"(?:let me|lemme|can i|could i|wanna|want to) see (?:{U}|{YOUR} face|{YOUR} {BODY}|what {U} look like|more of {U}|all of {U})",
            0.8,
        ),
        (
            rf"{PIC} (?:of )?(?:{U} )?(?:in|wearing) (?:{YOUR}|ur|a|just|only|nothing but|ur school|your school)? ?{OUTFIT}",
            1.0,
        ),
        (rf"{PIC} (?:with(?:out)?|no) (?:clothes|top|shirt|bottoms|bra|trousers|pants)", 1.0),
        (
            rf"(?:can|could|will|would|pls|please|plz) {U} (?:send|take|snap|show|post) (?:me )?(?:a |one |some )?{PIC}",
            0.5,
        ),
        (
            rf"(?:can|could|will|would) {U} (?:take|send|snap) (?:a |one )?{PIC} (?:of|for) (?:me|{U}|{YOUR}self|urself)",
            0.8,
        ),
        (
            rf"(?:turn on|switch on|put on|open|go on|get on|hop on) (?:{YOUR} |the )?(?:camera|cam|webcam|video|facecam)",
            0.9,
        ),
        (r"(?:video ?call|facetime|face time|vc) (?:me|now|tonight|rn|later)", 0.6),
        (r"(?:full.?body|mirror|bathroom|bedroom|bed) (?:pic|selfie|photo|shot|vid)s?", 1.0),
        (rf"(?:a |the )?{PIC} (?:just )?for me", 0.8),
        (
            rf"(?:i|i'll|ill|i will|i can) (?:send|show) (?:{U}|u) (?:mine|one|a pic|a photo|my pic|some) (?:if|first|back|too|when)",
            0.8,
        ),
        (rf"(?:{U} )?(?:show|send) (?:me )?(?:yours|urs|first)", 0.6),
        (rf"{PIC} (?:that )?(?:no ?one|nobody|noone) else (?:sees|will see|gets|has)", 1.0),
        (r"(?:snap|send) me (?:something|smth|sumthin|smthn) (?:special|private|cute|naughty|spicy)", 1.0),
        (r"(?:one|1|a|another) (?:more )?(?:pic|selfie|photo|vid)", 0.4),
        (rf"(?:prove|show) (?:it|me) {YOURE} (?:real|really \d+|a girl|a boy)", 0.8),
        (
            rf"(?:take|snap) (?:a |another )?(?:pic|selfie|photo|vid) (?:now|rn|right now|for me|of {YOUR}self|of urself)",
            0.8,
        ),
        (r"(?:spicy|naughty|private|secret|special|cheeky) (?:pics?|photos?|selfies?|vids?|snaps?|content)", 1.0),
        (rf"(?:pics?|selfies?|photos?) (?:from|in) (?:{YOUR} )?(?:bed|bedroom|bathroom|the bath|the shower)", 1.0),
        (rf"(?:what|wat) (?:do|d) {U} look like (?:rn|right now|now|today)", 0.7),
        (rf"(?:record|film) (?:{YOUR}self|urself|yourself|a video|a vid)", 0.8),
        (rf"(?:u|you) (?:got|have) (?:any )?(?:more )?{PIC}", 0.4),
        (rf"turn {YOUR} (?:camera|cam|webcam|video|facecam) on", 0.9),
        (
            r"(?:full.?body|mirror|bikini|swimsuit|bathroom|bedroom|outfit) (?:ones?|pics?|photos?|selfies?|shots?|vids?)",
            1.0,
        ),
        (r"(?:test|modelling|modeling|portfolio|casting) (?:photos?|pics?|shots?|pictures?|vids?|videos?)", 0.8),
        (r"(?:send|sen|snd) (?:me )?another(?: one)?", 0.5),
        (rf"(?:something|one|a pic|a photo) (?:that )?{YOURE} not (?:on|wearing)", 0.8),
        (r"(?:something|smth) just for me", 0.8),
        (
            rf"(?:i|i'd|i would|i'll|ill) (?:love|like|want|wanna) (?:to )?(?:see|get|have) (?:a |more |another )?{PIC}",
            0.6,
        ),
    ],
    "meeting": [
        (
            r"(?:let's|lets|we should|we could|wanna|want to|should we|can we|could we|shall we|we can|we gotta|we have to|we need to|i wanna|i want to|i'd love to|i would love to) meet(?: up)?(?! on (?:discord|snap|the game|roblox|fortnite|minecraft|the server|online))",
            0.8,
        ),
        (rf"meet (?:{U} |up )?(?:irl|in person|in real life|for real|face to face|somewhere)", 1.0),
        (rf"(?:i )?(?:really |rly |so )?(?:wanna|want to|would love to|'d love to|need to) meet {U}", 0.9),
        (
            r"(?:we should|let's|lets|wanna|we could|we can|should we) (?:link up|link|hang out|hangout|meet up|chill)(?! (?:online|on))",
            0.7,
        ),
        (r"meet me (?:on|at|this|tomorrow|tmrw|tonight|after|outside|by|near|in)", 0.6),
        (
            r"(?:at|to|round|come to) (?:mine|my place|my house|my flat|my hotel)(?: (?:just us|alone|tonight|sometime|one weekend))?",
            0.6,
        ),
        (rf"(?:drop|dropping|collect|collecting) {U} (?:off|up)", 0.4),
        (rf"(?:pick|picking) {U} up|(?:want|need) picking up", 0.5),
        (r"(?:come|coming|pop) (?:over|round)(?! (?:here|there) online)", 0.5),
        (rf"{U} could (?:stay|sleep|live) (?:with me|at mine|at my place|over)", 0.9),
        (r"(?:when|where|what time) (?:can|could|should|shall|do) (?:we|i) (?:meet|see|hang)", 0.9),
        (rf"{I_WILL} (?:come and |come to |come )?(?:pick|collect) {U} up", 0.7),
        (
            rf"{I_WILL} (?:come|drive|get the train|get a train|get the bus|travel|walk|visit) (?:down |up |over |round )?(?:to |and see |see )?(?:{U}|yours|urs|{YOUR} (?:place|house|town|area|school|city|village|flat))",
            0.9,
        ),
        (r"(?:come|came|pop) (?:over|round|around) (?:to )?(?:my|mine|my place|my house|my flat|my hotel|my car)", 0.9),
        (r"(?:come|get in|get into) (?:to )?(?:my )?(?:place|house|flat|hotel|car|van)(?! park)", 0.7),
        (
            rf"{I_WILL} (?:buy|get|book|pay for|send) {U} (?:a |an )?(?:train|bus|uber|taxi|cab|plane|coach) ?(?:ticket|fare|ride)?",
            1.0,
        ),
        (r"(?:hang out|chill|hangout|link up|link) (?:irl|in person|sometime|together|for real|with me)", 0.6),
        (
            rf"(?:what|which|wat) (?:station|bus stop|park|shop|mcdonalds|maccies|school) (?:is|'s) (?:near|nearest|closest|close) (?:to )?(?:{U}|{YOUR} house|ur house|where {U} live)",
            1.0,
        ),
        (
            rf"(?:where|wat|what) (?:is|'s) (?:the )?(?:nearest|closest) (?:station|park|mcdonalds|maccies|shop|bus stop) (?:to )?(?:{U}|{YOUR} house|ur house)",
            1.0,
        ),
        (
            rf"(?:wait|meet|see) (?:for me |me |{U} )?(?:at|outside|by|near|round the corner from) (?:the |{YOUR} )?(?:park|station|school|gates|corner|shop|bus stop|library|mall|back|end of)",
            0.7,
        ),
        (rf"(?:tell|say to) (?:{YOUR} |ur )?{PARENTS} {YOURE} (?:at|staying|sleeping|going to|with)", 1.0),
        (
            rf"(?:i'?m|im|i am|i live) (?:only |just )?\d+ (?:minutes|mins|miles|hours|hrs|min) (?:away|from {U}|from {YOUR})",
            0.8,
        ),
        (rf"(?:i'?m|im|i am|i'll be|ill be) (?:in|near|going to|coming to|visiting) {YOUR} (?:area|town|city)", 0.9),
        (
            rf"(?:see|meet) {U} (?:on|this|next|at the|at) (?:saturday|sunday|friday|weekend|tomorrow|tmrw|tonight|\d)",
            0.4,
        ),
        (rf"(?:i'll|ill|i will) be (?:there|outside|waiting)(?: at| in| for {U})?", 0.4),
        (rf"(?:what's|whats|what is|wats) {YOUR} (?:address|postcode|house number)", 0.5),
        (rf"where (?:do|d) {U} live(?: exactly)?", 0.4),
        (r"(?:sneak|slip) out (?:to|and) (?:meet|see)", 1.0),
        (rf"(?:can|could) {U} (?:get|come) (?:out|away)(?: tonight| later| this weekend| on saturday)?", 0.6),
        (
            r"(?:don't|dont) (?:bring|tell) (?:anyone|any1|ur friends|your friends|ur mum|your mum|ur parents|your parents) (?:when|if) (?:we|u|you) (?:meet|come)",
            1.0,
        ),
        (rf"(?:come|go) (?:alone|on {YOUR} own|by {YOUR}self)", 1.0),
        (r"(?:stay|sleep) (?:over|the night) (?:at|with) (?:me|mine|my place)", 1.0),
        (rf"(?:where|when) (?:should|shall|can|will) i (?:pick {U} up|wait|come)", 0.8),
        (r"(?:date|a date) (?:with me|irl|in person)", 0.9),
        (r"i can (?:come|be there) (?:any ?time|whenever)", 0.7),
        (rf"(?:call|ring|phone) me (?:when|once) {YOURE} (?:alone|out|there)", 1.0),
    ],
    "gifts_money": [
        (
            rf"{I_WILL} (?:buy|get|send|give|gift|pay for|treat|order) (?:{U}|ya) (?:a |an |some |the |loads of |lots of |free )?(?:new )?{GAME_CURRENCY}",
            0.9,
        ),
        (
            rf"{I_WILL} (?:buy|get|send|give|gift|pay for|treat|order) (?:{U}|ya) (?:something|stuff|things|whatever|anything|a present|a gift|presents|gifts)",
            0.8,
        ),
        (
            rf"(?:(?:do|d|would|wanna) )?{U} (?:want|need|like|wanna) (?:some |free |more |the |a |my |my spare |a spare |an extra )?{GAME_CURRENCY}",
            0.6,
        ),
        (
            rf"(?:book|buy|get|pay for) {U} (?:a |an )?(?:train|bus|plane|uber|taxi|cab|coach)(?: tickets?| fare| ride)?",
            0.6,
        ),
        (
            rf"(?:i've|ive|i have|i) (?:got|bought|made) {U} (?:a |an |some |a little |a lil |a small )?(?:new |little )?\w+",
            0.4,
        ),
        (r"(?:spare|extra|free) (?:code|codes|skin|skins|account|battle ?pass|gift ?card)", 0.5),
        (r"(?:free|unlimited|loads of|lots of) (?:robux|v-?bucks|vbucks|gems|coins|skins|nitro|gift cards?)", 0.9),
        (rf"{I_WILL} (?:send|give|pay|transfer) {U} (?:money|cash|£|\$|\d+)", 0.9),
        (rf"{I_WILL} pay (?:{U}|for {YOUR})", 0.7),
        (r"(?:in return|in exchange|as a thank you|for a favour|for a favor)", 0.6),
        (
            rf"(?:if|when) {U} (?:send|do|show|take|video|call|meet)\b.{{0,40}}(?:i'll|ill|i will|i can) (?:buy|get|send|give|pay)",
            1.0,
        ),
        (
            rf"(?:i'll|ill|i will|i can) (?:buy|get|send|give|pay)\b.{{0,40}}(?:if|when) {U} (?:send|do|show|take|video|call|meet)",
            1.0,
        ),
        (rf"top up {YOUR} (?:phone|account|credit|balance)", 0.8),
        (rf"(?:spoil|treat|look after) {U}", 0.6),
        (rf"{U} deserve (?:nice|the best|pretty|lovely|expensive) (?:things|stuff|presents|gifts)", 0.7),
        (r"(?:sugar daddy|sugar baby|sugar mummy|sugar mommy)", 1.0),
        (rf"(?:what|wat) (?:do|would) {U} (?:want|like) (?:me to (?:buy|get)|for it|as a (?:present|gift))", 0.6),
        (
            rf"(?:i|i've|ive|i have) (?:got|bought|sent) {U} (?:a |some |a little |a lil |a small )?(?:present|gift|something|{GAME_CURRENCY})",
            0.6,
        ),
        (rf"{I_WILL} (?:give|get|send) {U} (?:a little|a lil|a small)? ?(?:something|treat|present)", 0.6),
        (rf"(?:send|give) me {YOUR} (?:paypal|bank|card|account) (?:details|number|info)", 0.8),
        (rf"(?:check|look at) {YOUR} (?:account|paypal|balance|inventory)", 0.5),
        (rf"(?:i can|i'll|ill) (?:make|help) {U} (?:earn|make) (?:money|cash|robux|vbucks)", 0.9),
        (r"(?:easy|quick|fast) (?:money|cash|robux|vbucks)", 0.8),
        (rf"(?:gift|present|birthday money|money) for {U}", 0.4),
        (rf"(?:bought|got) (?:it|this) (?:for|just for) {U}", 0.5),
    ],
    "threats_sextortion": [
        (
            rf"{I_WILL} (?:send|share|post|leak|show|expose|spread|upload|forward|put|send out) (?:{YOUR}|ur|the|these|those|all|ur|all {YOUR}|all the|{YOUR} private) ?(?:pics|photos|nudes|videos|vids|pictures|chats|messages|screenshots|snaps|images|pic|photo|video)",
            0.8,
        ),
        (
            rf"(?:send|share|post|leak|show|spread|forward|expose) (?:it|them|{YOUR} (?:pics|photos|nudes|videos|vids|pictures)|everything)? ?to (?:{YOUR}|ur|all {YOUR}|all ur|every1|everyone) ?(?:friends|family|parents|mum|mom|dad|school|followers|contacts|teachers?|class|classmates|everyone|whole school)",
            1.0,
        ),
        (
            r"(?:unless|if (?:you|u) (?:don't|dont|do not|won't|wont|refuse)|or else|or i(?:'ll| will|ll| am going to|'m gonna| m gonna)?) (?:pay|send|do|give|share|post|leak|show|expose)",
            1.0,
        ),
        (
            r"(?:pay|send) (?:me )?(?:£|\$|\d+|money|cash|gift ?cards?|bitcoin|btc|crypto|robux|vbucks|v-?bucks|more)\b.{0,40}(?:or|otherwise|before|unless)",
            1.0,
        ),
        (
            rf"(?:i|we) (?:have|got|saved|kept|screenshotted) (?:all )?(?:{YOUR}|ur|the) (?:pics|photos|nudes|videos|vids|pictures|snaps|images|pic|photo|video)",
            0.9,
        ),
        (
            rf"(?:i've|ive|i have) (?:got )?(?:screenshots?|screenshotted|recorded|saved|a copy|copies|everything) (?:of )?(?:{YOUR}|ur|everything|it|the video|our chats?|all of it|you)?",
            0.7,
        ),
        (
            rf"(?:everyone|every1|all {YOUR} friends|{YOUR} friends|{YOUR} family|{YOUR} {PARENTS}|{YOUR} school|the whole school|{YOUR} followers) (?:will|is going to|gonna|are going to|r gonna) (?:see|know|find out|get)",
            1.0,
        ),
        (rf"(?:ruin|destroy|wreck) {YOUR} (?:life|reputation|rep)", 1.0),
        (r"(?:you'll|youll|you will|u will|ull) (?:regret|be sorry)", 0.8),
        (rf"(?:do (?:what|as) i say|{U} have no choice|{U} (?:don't|dont|do not) have a choice|or you'll see)", 0.9),
        (
            rf"who (?:do|will|would) {U} think (?:they'll|theyll|they will|people will|they would|anyone will) believe",
            1.0,
        ),
        (rf"i know where {U} (?:live|go to school)", 1.0),
        (
            rf"{I_WILL} (?:tell|show|send (?:it|this|them) to) {YOUR} (?:{PARENTS}|school|friends|followers|everyone)",
            0.6,
        ),
        (rf"{U} (?:have|got|'ve got) \d+ (?:hours|hrs|minutes|mins|days|seconds|secs)", 0.9),
        (rf"(?:if|when) {U} (?:block|report|tell|ignore) (?:me|anyone|any1|{YOUR} {PARENTS})", 0.9),
        (rf"{DONT} (?:block|report|ignore|tell on) me (?:or|otherwise|because)", 1.0),
        (r"(?:send|give) (?:me )?(?:more|another|one more)\b.{0,20}(?:or|otherwise|unless)", 1.0),
        (
            rf"or (?:i'll|ill|i will|i|i'm gonna|im gonna) (?:tell|show|send (?:it|them|this) to|message|text) (?:everyone|every1|{YOUR}|ur|all|the whole)",
            1.0,
        ),
        (r"(?:countdown|deadline|time'?s (?:running|ticking|up)|clock'?s ticking|tick tock)", 0.7),
        (rf"(?:make|send|go) (?:it|them|this|these|{YOUR} pics) (?:go )?viral", 1.0),
        (rf"expose {U}", 0.9),
        (
            rf"(?:post|put|upload) (?:it|them|these|{YOUR} pics|{YOUR} photos) (?:online|everywhere|on the internet|on insta|on tiktok|on twitter)",
            1.0,
        ),
        (
            rf"{YOUR} (?:nudes|pics|photos|pictures|videos|vids) (?:are|r|will be) (?:going|gonna go|sent) (?:out|online|everywhere)",
            1.0,
        ),
        (
            rf"(?:i|i'll|ill) (?:already )?(?:made|make|set up) a (?:group chat|gc|group) with {YOUR} (?:friends|family|followers)",
            0.9,
        ),
        (r"(?:last|final) (?:chance|warning)", 0.7),
        (rf"(?:i'll|ill|i will) (?:find|come for|hurt) {U}|(?:i'll|ill|i will) get {U} (?:back|for this)", 0.8),
        (r"(?:you|u) (?:owe|owes) me", 0.6),
        (rf"(?:nobody|no one|no1) will (?:believe|help) {U}", 0.9),
        (YOU_WILL_GET_IN_TROUBLE, 0.7),
    ],
}


# Message-level benign context per stage: (pattern, factor) — multiplies that stage's hits of weight < 0.95.
DAMPENERS: dict[str, list[tuple[str, float]]] = {
    "isolation_secrecy": [
        (
            r"surprise|party|present|presents|gift|birthday|b-?day|christmas|xmas|eid|diwali|spoilers?|the ending|"
            r"the answers|quiz|proposal|engagement|wedding|anniversary|mothers day|mother's day|fathers day|father's day",
            0.3,
        ),
        (r"(?:password|pin|passcode)", 0.5),
    ],
    "image_request": [
        (
            r"team ?sheet|homework|worksheet|letter|permission slip|consent form|document|the note|timetable|recipe|receipt|screenshot|notes|the page|answers|form|dog|cat|"
            r"puppy|kitten|hamster|cake|drawing|painting|art|project|trophy|medal|certificate|build|base|world|"
            r"the match|the game|the team|the class|school trip|the view|sunset|the concert|the results|the board|"
            r"the list|the menu|the poster|the flyer|the map|the car|the bike|the garden|grandma|nan|grandad|the baby",
            0.35,
        ),
    ],
    "meeting": [
        (
            r"(?:mum|mom|dad|nan|gran|grandma|grandad|auntie|uncle|coach|teacher)(?:'ll| will| is| can| could) (?:pick|collect|drop|take|drive)",
            0.5,
        ),
        (
            r"practice|training|rehearsal|the match|the game|club|lesson|dentist|doctor|appointment|parents evening|"
            r"school trip|the party|cinema with|with (?:the|your|ur) (?:team|class|friends|mum|dad|sister|brother)",
            0.6,
        ),
    ],
    "gifts_money": [
        (
            r"birthday|bday|christmas|xmas|eid|diwali|pocket money|allowance|tooth fairy|well done|exams?|results|"
            r"grades|report card|chores|good luck|from (?:nan|grandma|grandad|gran|auntie|uncle|mum|dad)",
            0.5,
        ),
    ],
    "threats_sextortion": [
        (r"\b(?:jk|jkjk|just kidding|just joking|joking|kidding|lol jk|haha jk)\b", 0.5),
    ],
    "desensitising_sexual": [
        (r"sex ed|sex education|pshe|rse|health class|biology|puberty (?:talk|lesson|class)|the nurse|doctor", 0.4),
    ],
    "private_channel": [
        (r"homework|group project|class chat|team chat|the team|for school|revision|study group", 0.5),
    ],
}


def compiled_lexicon() -> dict[str, list[tuple[re.Pattern[str], float]]]:
    """Each stage's patterns compiled with word boundaries, strongest first."""
    out: dict[str, list[tuple[re.Pattern[str], float]]] = {}
    for stage, items in LEXICON.items():
        pats = sorted(items, key=lambda it: -it[1])
        out[stage] = [(re.compile(rf"(?<![\w']){p}(?![\w'])"), w) for p, w in pats]
    return out
