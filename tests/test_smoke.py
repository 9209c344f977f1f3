def test_login_page_is_arabic_and_right_to_left(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)
