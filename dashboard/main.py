"""Entry file for NiceGUI (the test fixture runs this file for every UI test)."""

from dashboard.app import serve

serve()
