"""The brands' CSS transforms, on CSS shaped like govuk-frontend's and MOJ Frontend's."""

from __future__ import annotations

from govuk_layout import stylesheets

# govuk-frontend's rules apart from the crest's, which the brands treat specially.
GOVUK_TYPE = (
    '@charset "UTF-8";'
    '@font-face{font-family:GDS Transport;font-weight:400;src:url(/assets/fonts/light.woff2) format("woff2")}'
    '@font-face{font-family:"Other";src:url(other.woff2)}'
    ".govuk-body{color:#0b0c0c;font-family:GDS Transport,arial,sans-serif;font-weight:400}"
    "@media print{.govuk-body{font-family:sans-serif}}"
    '@media (min-width:40.0625em){.govuk-heading-l{font-family:"GDS Transport",arial,sans-serif!important}}'
)
CREST = (
    ".govuk-footer__copyright-logo:before{background-image:url(/assets/images/govuk-crest.svg)}"
    "@supports (mask-position:initial){.govuk-footer__copyright-logo:before{mask-image:url(crest.svg)}}"
)
FOCUS = ".govuk-footer__copyright-logo:focus{color:#0b0c0c}"
GOVUK = GOVUK_TYPE + CREST + FOCUS
MOJ = (
    '@charset "UTF-8";.moj-header{background-color:#0b0c0c}'
    "@media (min-width:40.0625em){.moj-header__container{margin:0 30px}.moj-badge{color:red}}"
    ".moj-header__link,.moj-header__link>a{font-family:GDS Transport,arial,sans-serif}"
    ".moj-header__link,.govuk-link{color:#fff}"
    ".moj-badge{font-family:GDS Transport,arial,sans-serif}"
)


def test_without_govuk_brand_drops_the_font_and_the_crest_and_keeps_the_rest() -> None:
    assert stylesheets.without_govuk_brand(GOVUK) == (
        '@charset "UTF-8";'
        '@font-face{font-family:"Other";src:url(other.woff2)}'
        ".govuk-body{color:#0b0c0c;font-family:arial,helvetica,sans-serif;font-weight:400}"
        "@media print{.govuk-body{font-family:sans-serif}}"
        "@media (min-width:40.0625em){.govuk-heading-l{font-family:arial,helvetica,sans-serif!important}}"
        ".govuk-footer__copyright-logo:focus{color:#0b0c0c}"
    )


def test_only_component_keeps_the_rules_wholly_about_one_block() -> None:
    assert stylesheets.only_component(MOJ, ".moj-header") == (
        ".moj-header{background-color:#0b0c0c}"
        "@media (min-width:40.0625em){.moj-header__container{margin:0 30px}}"
        ".moj-header__link,.moj-header__link>a{font-family:arial,helvetica,sans-serif}"
    )


def test_the_organisation_stylesheet_is_govuk_frontend_plus_the_moj_header() -> None:
    combined = stylesheets.organisation_stylesheet(GOVUK, MOJ)
    assert combined.startswith('@charset "UTF-8";') and combined.count("@charset") == 1
    assert combined.endswith(stylesheets.only_component(MOJ, ".moj-header"))
    assert "GDS Transport" not in combined and "crest" not in combined


def test_govuk_stylesheets_keep_everything_but_the_crests_paint_which_gets_its_own() -> None:
    css = GOVUK.replace("{mask-image:url(crest.svg)}", "{background:currentcolor;mask-image:url(crest.svg)}") + (
        '.govuk-footer__copyright-logo:before{content:"";padding-top:112px;-webkit-mask-size:125px 102px}'
    )
    main, crest = stylesheets.govuk_stylesheets(css)
    # Everything but the crest's paint stays, and so does the crest's box.
    assert main == GOVUK_TYPE + FOCUS + '.govuk-footer__copyright-logo:before{content:"";padding-top:112px}'
    assert crest == (
        ".govuk-footer__copyright-logo:before{background-image:url(/assets/images/govuk-crest.svg)}"
        "@supports (mask-position:initial){.govuk-footer__copyright-logo:before"
        "{background:currentcolor;mask-image:url(crest.svg)}}"
        '.govuk-footer__copyright-logo:before{content:"";padding-top:112px;-webkit-mask-size:125px 102px}'
    )
