"""The interface kit: NHS.UK frontend rendering of forms and shared page components.

No models. Every app's templates use it; it imports nothing from the domain apps.
"""
