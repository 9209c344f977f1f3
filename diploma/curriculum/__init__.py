from flask import Blueprint

bp = Blueprint("curriculum", __name__)
