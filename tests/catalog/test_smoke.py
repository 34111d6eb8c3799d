def test_factories_make_a_customer_with_balance(customer, data_offer):
    from selfcare.selectors import customer_balance

    assert str(customer_balance(customer=customer)) == "50.00"
    assert data_offer.status == "published"
