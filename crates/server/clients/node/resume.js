// The seed's Node snippet (Step 1: Create a Session Token), run against inquiry-server
// with the `request` package it uses. Changed only where the issue allows: the base URL,
// the inquiry id and the key come from the environment; and a last line in the callback
// prints the response's body.
const apiKey = process.env.INQUIRY_API_KEY;
const baseUrl = process.env.INQUIRY_BASE_URL;
const inquiryId = process.env.INQUIRY_ID;

const request = require("request");
request.post(
  {
    json: true,
    url: `${baseUrl}/api/v1/inquiries/${inquiryId}/resume`,
    headers: { Authorization: `Bearer ${apiKey}` }
  },
  (err, res, body) => {
    inquiry = res;
    if (err) { console.error(err); process.exit(1); }
    console.log(JSON.stringify(body));
  }
);
