from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """口令须同时包含字母和数字（等级保护：口令复杂度）。"""

    def validate(self, password, user=None):
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码须同时包含字母和数字。", code="password_classes")

    def get_help_text(self):
        return "密码须同时包含字母和数字。"
