from django.urls import path

from telegrambot import views

urlpatterns = [
    path("telegram/webhook", views.TelegramWebhookApi.as_view(), name="telegram-webhook"),
]
