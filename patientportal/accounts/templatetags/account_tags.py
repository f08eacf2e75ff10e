from django import template

from patientportal.accounts.browsers import browser_summary

register = template.Library()

register.filter("browser_summary", browser_summary)
