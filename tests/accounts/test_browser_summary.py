from patientportal.accounts.browsers import browser_summary

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)
EDGE = CHROME_WINDOWS + " Edg/120.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"
)


def test_the_sessions_list_names_browser_and_system_in_a_few_words():
    assert browser_summary(CHROME_WINDOWS) == "Chrome on Windows"
    assert browser_summary(EDGE) == "Edge on Windows"
    assert browser_summary(SAFARI_IPHONE) == "Safari on iPhone"
    assert browser_summary("curl/8.0") == ""
