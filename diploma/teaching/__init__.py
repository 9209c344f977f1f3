from flask import Blueprint

bp = Blueprint("teaching", __name__)
