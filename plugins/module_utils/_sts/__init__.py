# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MFA exchange with STS, for the collection's own use.

requests.py  typed requests, parsed once from validated options
cache.py     the credentials cache and the record of codes already sent
spend_once.py  the protocol that sends each code to AWS at most once
purchases.py the STS calls themselves (GetSessionToken, AssumeRole): the only place botocore is called
exchange.py  the entry points: a lock-free cache hit, else the locked exchange; many roles with one code
result.py    what every front end returns
"""
