"""GOV.UK Notify's delivery receipts (its "callback"): Notify posts, for each message
it took, whether it was delivered (actions.receipts keeps that on the message).

Set up in Notify's dashboard (API integration > Callbacks > Delivery receipts): the URL
https://<site>/api/notify/delivery-receipts/ and the bearer token
settings.NOTIFY_CALLBACK_TOKEN. No sign-in (Notify has none), no CSRF token (it is
not a form): the token alone lets a receipt in, compared in constant time. Without
the setting the address is not there (404).

Notify tries again on anything but a 2xx: a receipt for no message of ours, or one
already kept, is answered 200 and changes nothing. Only a body that is not a receipt
(not JSON, no id or status) is refused (400).
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from ..actions.receipts import MalformedReceipt, Receipt, do_record_receipt


@csrf_exempt
@login_not_required
@never_cache
def delivery_receipts(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "NOTIFY_CALLBACK_TOKEN", "")
    if not token:
        raise Http404("GOV.UK Notify's receipts are not taken here.")
    if request.method != "POST":
        response = HttpResponse("Receipts are posted.", status=405, content_type="text/plain")
        response["Allow"] = "POST"
        return response
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        response = HttpResponse("Unauthorised.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        receipt = Receipt.parse(json.loads(request.body))
    except (ValueError, UnicodeDecodeError) as error:  # MalformedReceipt, bad JSON
        reason = str(error) if isinstance(error, MalformedReceipt) else "The body is not JSON."
        return HttpResponse(reason, status=400, content_type="text/plain")
    do_record_receipt(request, receipt)
    return HttpResponse("OK", content_type="text/plain")
