# The seed's Python snippet (Step 1: Create a Session Token), run against inquiry-server.
# Changed only where the issue allows: the base URL, the inquiry id and the key come from
# the environment; and two fixes the seed needs to run at all: `headers=` (the seed writes
# `headers:`, a SyntaxError in Python) and a last line that prints the response.
import json
import os

import requests

api_key = os.environ["INQUIRY_API_KEY"]
base_url = os.environ["INQUIRY_BASE_URL"]
inquiry_id = os.environ["INQUIRY_ID"]

response = requests.post(
    '{}/api/v1/inquiries/{}/resume'.format(base_url, inquiry_id),
    headers={ 'Authorization': 'Bearer {}'.format(api_key) },
)
inquiry = response.json()
print(json.dumps(inquiry))
